// Errors shared by both backends. Private to this package.

/** Throws the RangeError for a `bytes(offset, length)` call outside `[0, size]`. */
export function throwRange(path: string, size: number, offset: number, length: number): never {
  if (!Number.isInteger(offset) || !Number.isInteger(length)) {
    throw new RangeError(`Cannot read ${path}: offset and length must be integers, got offset ${offset} and length ${length}`);
  }
  const where = offset >= 0 ? `0x${offset.toString(16)}` : String(offset);
  throw new RangeError(`Cannot read ${length} bytes at offset ${where} of ${path}: it holds ${size} bytes (0x${size.toString(16)})`);
}

/** Returns the TypeError for a read from a closed file. */
export function closedError(path: string): TypeError {
  return new TypeError(`Cannot read ${path}: the file is closed`);
}
