// The runtime globals this package uses, present in every JavaScript runtime it targets
// (Node.js, Deno, Bun, browsers). Declared here so the package compiles without DOM or Node types.
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}
declare class TextEncoder {
  constructor();
  encode(input?: string): Uint8Array;
}
