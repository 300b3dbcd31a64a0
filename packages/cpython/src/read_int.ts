import type { PythonLayout } from "@corestack/cpython-layouts";
import { WalkError } from "./_reader.js";
import type { ObjectReader } from "./read_objects.js";

/** Most digits read from an `int` (16 × 30 bits: far more than any thread id or count needs). */
export const MAX_INT_DIGITS = 16;

/**
 * The value of a Python `int` (2.7: `int` or `long`) in the target, exactly, as a bigint.
 *
 * 2.7's `int` is a C `long` (`ob_ival`). A `PyLongObject` is an array of `PyLong_SHIFT`-bit
 * digits, least significant first: before 3.12 `ob_size` holds the digit count, negative for a
 * negative number; from 3.12 `long_value.lv_tag` holds the digit count shifted left by
 * `_PyLong_NON_SIZE_BITS` and the sign in its two low bits (0 positive, 1 zero, 2 negative).
 *
 * @param objects the reader of the target's objects.
 * @param object address of the `int`.
 * @param what what the object is, for messages.
 * @returns the value.
 * @throws {WalkError} when the object is not an `int`, is unreadable, or has more than
 *   {@link MAX_INT_DIGITS} digits, an invalid sign or a digit out of range.
 * @example
 * ```ts
 * const ident = readInt(objects, key, "thread ident");
 * ```
 * @internal
 */
export function readInt(objects: ObjectReader<PythonLayout>, object: bigint, what: string): bigint {
  const L = objects.layout;
  const r = objects.reader;
  const type = objects.typeName(object);
  // Made only for an error message.
  const at = () => `${what} at 0x${object.toString(16)}`;
  const model = L.models.ints;
  if (model.kind === "int_and_long" && type === "int") return r.i64(object + BigInt(model.ob_ival), what);
  if (type !== "int" && !(model.kind === "int_and_long" && type === "long")) {
    throw new WalkError(`${at()} is a '${type.slice(0, 40)}', not an 'int'`, object);
  }
  let count: bigint;
  let negative: boolean;
  if (model.kind === "lv_tag") {
    const tag = r.u64(object + BigInt(model.lv_tag), what);
    const sign = tag & 3n;
    if (sign === 3n) throw new WalkError(`${at()} has an invalid sign in lv_tag 0x${tag.toString(16)}`, object);
    count = tag >> BigInt(model.nonSizeBits);
    if (sign === 1n && count !== 0n) throw new WalkError(`${at()} is zero with ${count} digits`, object);
    negative = sign === 2n;
  } else {
    const size = r.i64(object + BigInt(L.PyVarObject.ob_size), what);
    negative = size < 0n;
    count = negative ? -size : size;
  }
  const digits = object + BigInt(model.ob_digit);
  if (count > BigInt(MAX_INT_DIGITS)) throw new WalkError(`${at()} has an implausible ${count} digits`, object);
  const n = Number(count);
  if (n === 0) return 0n;
  const width = L.sizeof.digit;
  const shift = BigInt(L.constants.PyLong_SHIFT);
  const bytes = r.bytes(digits, n * width, what);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let value = 0n;
  for (let i = n - 1; i >= 0; i -= 1) {
    const digit = BigInt(width === 2 ? view.getUint16(i * 2, true) : view.getUint32(i * 4, true));
    if (digit >> shift !== 0n) throw new WalkError(`${at()} has digit ${i} out of range (0x${digit.toString(16)})`, object);
    value = (value << shift) | digit;
  }
  return negative ? -value : value;
}
