/**
 * Training slots of a worker: at most `size` tasks train at once, while tasks pulled ahead wait
 * here for a free one. close() turns every waiting task away (acquire resolves false), so a
 * stopping worker hands prefetched tasks back at once instead of training them.
 */
export class RunSlots {
  readonly size: number;
  #busy = 0;
  #closed = false;
  readonly #waiting: Array<(granted: boolean) => void> = [];

  constructor(size: number) {
    this.size = size;
  }

  /** Tasks training now. */
  get busy(): number {
    return this.#busy;
  }

  /** Resolves true with a slot held (release it), or false once closed. */
  acquire(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#busy < this.size) {
      this.#busy++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Passes the slot to the longest-waiting task, or frees it. */
  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined && !this.#closed) next(true);
    else this.#busy--;
  }

  /** Refuses every waiting and future acquire; slots held stay held until released. */
  close(): void {
    this.#closed = true;
    for (const resolve of this.#waiting.splice(0)) resolve(false);
  }
}
