import type { KernelExports } from './kernel.js';

/** Alignment of every block: a cache line, which also satisfies 16-byte SIMD alignment. */
const ALIGN = 64;
const PAGE_BYTES = 65536;

/** A float32 (or int32 / float64) region of kernel memory: a byte offset and a length. */
export interface Region {
  readonly ptr: number;
  readonly length: number;
}

/**
 * A bump allocator over one kernel instance's memory. Regions live as long as the instance;
 * views are made on demand because growing the memory detaches the old ArrayBuffer.
 */
export class KernelMemory {
  #top: number;

  constructor(readonly kernel: KernelExports) {
    this.#top = roundUp(kernel.heapBase(), ALIGN);
  }

  /** A zero-filled region of `length` 4-byte elements. */
  alloc(length: number): Region {
    return this.allocBytes(length, 4);
  }

  /** A zero-filled region of `length` float64 elements. */
  allocF64(length: number): Region {
    return this.allocBytes(length, 8);
  }

  private allocBytes(length: number, bytesPer: number): Region {
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(`kernel memory: expected a length >= 0, got ${length}`);
    }
    const ptr = this.#top;
    const end = ptr + roundUp(length * bytesPer, ALIGN);
    const memory = this.kernel.memory;
    const have = memory.buffer.byteLength;
    if (end > have) memory.grow(Math.ceil((end - have) / PAGE_BYTES));
    this.#top = end;
    // Fresh pages are zero, and nothing allocated here is ever freed, so no fill is needed.
    return { ptr, length };
  }

  f32(region: Region): Float32Array {
    return new Float32Array(this.kernel.memory.buffer, region.ptr, region.length);
  }

  i32(region: Region): Int32Array {
    return new Int32Array(this.kernel.memory.buffer, region.ptr, region.length);
  }

  f64(region: Region): Float64Array {
    return new Float64Array(this.kernel.memory.buffer, region.ptr, region.length);
  }

  /** Bytes in use, for reporting. */
  get bytes(): number {
    return this.#top;
  }
}

export function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
