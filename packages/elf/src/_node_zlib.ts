/**
 * The few `node:zlib` functions this package uses, declared here so that it compiles without Node
 * types and loads in runtimes without them. Internal to this package.
 */
export interface NodeZlib {
  inflateSync(buffer: Uint8Array, options?: { maxOutputLength?: number }): Uint8Array;
  /** Node ≥ 22.15. */
  zstdDecompressSync?(buffer: Uint8Array, options?: { maxOutputLength?: number }): Uint8Array;
  /** Node ≥ 20.15. */
  crc32?(data: Uint8Array, value?: number): number;
}

/**
 * Node's built-in zlib, obtained synchronously through `process.getBuiltinModule` (Node ≥ 20.16),
 * or undefined in other runtimes. Looked up at each call (a map lookup in Node), never imported.
 */
export function nodeZlib(): NodeZlib | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const zlib = process?.getBuiltinModule?.("node:zlib") as NodeZlib | undefined;
    return zlib && typeof zlib.inflateSync === "function" ? zlib : undefined;
  } catch {
    return undefined;
  }
}
