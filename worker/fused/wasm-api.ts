/**
 * The slice of the WebAssembly JS API the fused backend uses. Node has it globally, but this
 * project compiles without the DOM lib that declares its types, so they are spelled out here.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  /** Adds `pages` 64 KiB pages; returns the previous size in pages. */
  grow(pages: number): number;
}

/** An opaque compiled module. */
export type WasmModule = object;

interface WasmInstance {
  readonly exports: unknown;
}

interface WasmNamespace {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  readonly Instance: new (module: WasmModule, imports: object) => WasmInstance;
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmNamespace }).WebAssembly;
