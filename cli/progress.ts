import cliProgress from 'cli-progress';
import type { SweepEvent } from '../coordinator/sweep-events.js';
import { formatDuration } from '../coordinator/format.js';

const short = (id: string): string => id.slice(0, 8);

/** Interval between plain progress lines when the output is not a terminal. Unit: ms. */
const PLAIN_INTERVAL_MS = 5000;

/**
 * Shows sweep progress on stderr: a bar on a terminal, plain lines otherwise (logs, CI), so that
 * stdout stays free for tables and --json.
 */
export class ProgressReporter {
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  #bar: cliProgress.SingleBar | undefined;
  /**
   * Tasks the current round trains; undefined until its `start` event. A coordinator may store
   * results before it knows that (`collect` first stores what waited in the stream), and those
   * are counted without a total or an ETA.
   */
  #total: number | undefined;
  #finished = 0;
  #failed = 0;
  #started = 0;
  #lastLine = 0;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
  }

  readonly handle = (event: SweepEvent): void => {
    switch (event.type) {
      case 'start':
        return this.#start(event);
      case 'finished':
        this.#finished++;
        if (event.outcome.type === 'diverged') {
          this.#log(
            `diverged ${short(event.task.id)} ${event.task.target.name} d=${event.task.dim} m=${event.task.width}: ${event.outcome.reason}`,
          );
        }
        return this.#tick();
      case 'attempt-failed':
        if (event.final) this.#failed++;
        this.#log(
          `${event.final ? 'failed' : 'retrying'} ${short(event.task.id)} ${event.task.target.name} d=${event.task.dim} m=${event.task.width} seed=${event.task.seed} (attempt ${event.attempt}): ${event.error.split('\n')[0] ?? ''}`,
        );
        return this.#tick();
    }
  };

  #start(event: Extract<SweepEvent, { type: 'start' }>): void {
    // A width search starts one run per round: each round counts from zero.
    this.#bar?.stop();
    this.#bar = undefined;
    const backlog = this.#finished + this.#failed;
    if (this.#total === undefined && backlog > 0) {
      this.#log(`stored ${backlog} result(s) that were waiting (${this.#failed} failed)`);
    }
    this.#total = event.queued;
    this.#finished = 0;
    this.#failed = 0;
    this.#started = performance.now();
    this.#log(
      `study ${event.study}: ${event.total} tasks, ${event.skipped} already finished, ${event.queued} to train on ${event.runner}`,
    );
    if (event.queued === 0) return;
    if (this.#tty) {
      this.#bar = new cliProgress.SingleBar(
        {
          stream: this.#stream,
          format:
            'training |{bar}| {value}/{total} tasks | {failed} failed | {rate} tasks/s | ETA {eta_formatted}',
          hideCursor: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      this.#bar.start(event.queued, 0, { failed: 0, rate: '0.00' });
    }
  }

  #tick(): void {
    if (this.#total === undefined) return this.#tickBacklog();
    const count = this.#finished + this.#failed;
    const elapsedMs = performance.now() - this.#started;
    const rate = elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
    if (this.#bar !== undefined) {
      this.#bar.update(count, { failed: this.#failed, rate: rate.toFixed(2) });
      return;
    }
    const now = performance.now();
    if (now - this.#lastLine < PLAIN_INTERVAL_MS && count < this.#total) return;
    this.#lastLine = now;
    // More results than queued tasks (a task retried elsewhere reports twice) is done, not late.
    const etaMs = rate > 0 ? (Math.max(0, this.#total - count) / rate) * 1000 : Number.NaN;
    this.#stream.write(
      `progress ${count}/${this.#total} (${this.#failed} failed), ${rate.toFixed(2)} tasks/s, elapsed ${formatDuration(elapsedMs)}, ETA ${formatDuration(etaMs)}\n`,
    );
  }

  /** Results stored before the round started: a plain count every few seconds, never a bar. */
  #tickBacklog(): void {
    const now = performance.now();
    if (this.#started === 0) this.#started = now;
    if (now - this.#lastLine < PLAIN_INTERVAL_MS) return;
    this.#lastLine = now;
    const count = this.#finished + this.#failed;
    this.#log(
      `stored ${count} result(s) that were waiting (${this.#failed} failed), elapsed ${formatDuration(now - this.#started)}`,
    );
  }

  #log(line: string): void {
    if (this.#bar !== undefined) {
      // cli-progress redraws over the current line; clear it so the message is not garbled.
      this.#stream.write(`\r\x1b[K${line}\n`);
      this.#bar.render();
    } else {
      this.#stream.write(`${line}\n`);
    }
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }
}
