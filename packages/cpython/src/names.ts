/**
 * Names read from a Python process (`co_name`, `co_filename`, `co_qualname`, `Thread.name`) in
 * **escaped form**: every character of the name stands for itself, except that
 *
 * - a backslash is written `\\`;
 * - a byte of a Python 2 byte string that is not part of valid UTF-8 is written `\xHH` (always
 *   `\x80`–`\xff`: bytes below 0x80 are ASCII, hence valid);
 * - a lone surrogate (a code point U+D800–U+DFFF, which a Python `str` may hold but no UTF-8 or
 *   UTF-16 text can) is written `\uHHHH`;
 * - a code point above U+10FFFF (no CPython makes one: corrupt memory) is written `\UHHHHHHHH`;
 * - a name longer than {@link MAX_NAME_CHARACTERS} is cut there and ends with the mark
 *   `\…[+N characters]` (Python 2 byte strings: `\…[+N bytes]`), N being what is not shown.
 *
 * So a backslash not followed by another one always starts an escape: a name that could not be
 * shown as it is can never pass for one that could (a real `\udcff` typed in a name is `\\udcff`).
 * @module
 */

/** The most characters of a name shown (bytes of a Python 2 byte string); the rest is cut, with a mark. */
export const MAX_NAME_CHARACTERS = 4096;

const hex = (value: number, digits: number) => value.toString(16).padStart(digits, "0");

/** The most one-byte code units made into a string by one `String.fromCharCode` call. */
const LATIN1_AT_ONCE = 8192;

/** The mark ending a cut name. */
function cutMark(rest: number, unit: "characters" | "bytes"): string {
  return `\\…[+${rest} ${rest === 1 ? unit.slice(0, -1) : unit}]`;
}

/**
 * Escapes the code points of a Python `str` (PEP 393 kind 1, 2 or 4; Python 2 `unicode` with a
 * 2- or 4-byte `Py_UNICODE`).
 * @param bytes the code units shown, little-endian, `width` bytes each.
 * @param width 1, 2 or 4.
 * @param options `length`: the string's length in code units when more than `bytes` holds (the
 *   name is then cut, with a mark); `pairs`: a high surrogate followed by a low one is one
 *   character (a Python 2 narrow build's UTF-16); otherwise each surrogate is lone.
 * @returns the escaped name.
 * @example
 * ```ts
 * escapeCodePoints(new Uint8Array([0x80, 0xdc]), 2); // "\\udc80"
 * ```
 */
export function escapeCodePoints(bytes: Uint8Array, width: 1 | 2 | 4, options: { length?: number; pairs?: boolean } = {}): string {
  // One-byte code units without a backslash (nearly every name): each is its own character, made
  // in one call rather than a character at a time.
  if (width === 1 && bytes.length <= LATIN1_AT_ONCE && !bytes.includes(0x5c)) {
    const text = String.fromCharCode.apply(null, bytes as unknown as number[]);
    const length = options.length ?? bytes.length;
    return length > bytes.length ? text + cutMark(length - bytes.length, "characters") : text;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.floor(bytes.length / width);
  const read = (i: number) => (width === 1 ? bytes[i]! : width === 2 ? view.getUint16(i * 2, true) : view.getUint32(i * 4, true));
  const parts: string[] = [];
  let run = "";
  let shown = count;
  for (let i = 0; i < count; i++) {
    const point = read(i);
    if (point === 0x5c) run += "\\\\";
    else if (point < 0xd800 || (point > 0xdfff && point <= 0x10ffff)) run += String.fromCodePoint(point);
    else if (point > 0x10ffff) run += `\\U${hex(point, 8)}`;
    else if (options.pairs && point <= 0xdbff && i + 1 < count && read(i + 1) >= 0xdc00 && read(i + 1) <= 0xdfff) {
      run += String.fromCodePoint(0x10000 + ((point - 0xd800) << 10) + (read(i + 1) - 0xdc00));
      i++;
    } else if (options.pairs && point <= 0xdbff && i + 1 === count && options.length !== undefined && options.length > count) {
      shown = count - 1; // the pair is cut in two: its low half is not shown, so neither is its high half
      break;
    } else run += `\\u${hex(point, 4)}`;
    if (run.length > 4096) {
      parts.push(run);
      run = "";
    }
  }
  parts.push(run);
  const length = options.length ?? count;
  if (length > shown) parts.push(cutMark(length - shown, "characters"));
  return parts.join("");
}

/** The length of the UTF-8 sequence starting at `i` if it is valid (and complete within `end`), else 0; -1 when valid so far but cut by `end`. */
function sequenceLength(bytes: Uint8Array, i: number, end: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) length = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    length = 3;
    if (b === 0xe0) low = 0xa0; // no overlong forms
    if (b === 0xed) high = 0x9f; // no surrogates
  } else if (b >= 0xf0 && b <= 0xf4) {
    length = 4;
    if (b === 0xf0) low = 0x90;
    if (b === 0xf4) high = 0x8f; // nothing above U+10FFFF
  } else return 0;
  for (let k = 1; k < length; k++) {
    if (i + k >= end) return -1;
    const c = bytes[i + k]!;
    if (c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return 0;
  }
  return length;
}

/**
 * Escapes a Python 2 byte string as UTF-8 text: valid UTF-8 sequences are their characters, every
 * other byte is `\xHH`.
 * @param bytes the bytes shown.
 * @param length the string's length in bytes when more than `bytes` holds (the name is then cut,
 *   with a mark; a character cut in two by the bound is not shown).
 * @returns the escaped name.
 * @example
 * ```ts
 * escapeUtf8(new Uint8Array([0x61, 0xff])); // "a\\xff"
 * ```
 */
export function escapeUtf8(bytes: Uint8Array, length = bytes.length): string {
  const parts: string[] = [];
  let runStart = 0;
  let shown = bytes.length;
  const decoder = new TextDecoder("utf-8");
  const flush = (end: number) => {
    if (end > runStart) parts.push(decoder.decode(bytes.subarray(runStart, end)));
  };
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b === 0x5c) {
      flush(i);
      parts.push("\\\\");
      runStart = ++i;
      continue;
    }
    const n = sequenceLength(bytes, i, bytes.length);
    if (n > 0) {
      i += n;
      continue;
    }
    if (n < 0 && length > bytes.length) {
      // A valid character cut by the bound: not shown (its bytes count in the mark).
      shown = i;
      break;
    }
    flush(i);
    parts.push(`\\x${hex(b, 2)}`);
    runStart = ++i;
  }
  flush(shown);
  if (length > shown) parts.push(cutMark(length - shown, "bytes"));
  return parts.join("");
}

/**
 * The name an escaped name stands for, when it is whole: `\\` becomes `\`; undefined when the
 * name holds any other escape (it was cut, or holds something no JavaScript string or UTF-8 path
 * can hold), so that it is not used as a path.
 * @param escaped a name in escaped form.
 * @returns the name, or undefined.
 * @example
 * ```ts
 * unescapeName("C:\\\\x.py"); // "C:\\x.py"
 * unescapeName("a\\xff");      // undefined
 * ```
 */
export function unescapeName(escaped: string): string | undefined {
  if (!escaped.includes("\\")) return escaped;
  let result = "";
  for (let i = 0; i < escaped.length; i++) {
    const ch = escaped[i]!;
    if (ch !== "\\") {
      result += ch;
      continue;
    }
    if (escaped[i + 1] !== "\\") return undefined;
    result += "\\";
    i++;
  }
  return result;
}
