// LZMA2 (the filter of every .xz file xz, systemd and the kernel write), after the LZMA reference
// decoder (LzmaSpec.cpp of the LZMA SDK, public domain) and xz-embedded's checks. Private to this
// package: xz_stream.ts reads the container around it.
import { CompressedDataError, type CompressedInput } from "./_compressed_input.js";

const STATES = 12;
const POS_STATES_MAX = 16;
const LEN_LOW_SYMBOLS = 8;
const LEN_MID_SYMBOLS = 8;
const LEN_HIGH_SYMBOLS = 256;
const END_POS_MODEL_INDEX = 14;
const FULL_DISTANCES = 128;
const ALIGN_BITS = 4;
const MATCH_MIN_LENGTH = 2;
const PROBABILITY_INIT = 1024;
/** The dictionary's first allocation (it doubles as data comes, up to the block's dictionary size). */
const INITIAL_DICTIONARY = 1 << 20;

// Offsets of the probability groups in one Uint16Array.
const IS_MATCH = 0;
const IS_REP = IS_MATCH + STATES * POS_STATES_MAX;
const IS_REP_G0 = IS_REP + STATES;
const IS_REP_G1 = IS_REP_G0 + STATES;
const IS_REP_G2 = IS_REP_G1 + STATES;
const IS_REP0_LONG = IS_REP_G2 + STATES;
const POS_SLOT = IS_REP0_LONG + STATES * POS_STATES_MAX;
const SPEC_POS = POS_SLOT + 4 * 64;
const ALIGN = SPEC_POS + FULL_DISTANCES - END_POS_MODEL_INDEX;
const LEN_CHOICE = 0;
const LEN_CHOICE2 = 1;
const LEN_LOW = 2;
const LEN_MID = LEN_LOW + POS_STATES_MAX * LEN_LOW_SYMBOLS;
const LEN_HIGH = LEN_MID + POS_STATES_MAX * LEN_MID_SYMBOLS;
const LEN_SIZE = LEN_HIGH + LEN_HIGH_SYMBOLS;
const MATCH_LEN = ALIGN + (1 << ALIGN_BITS);
const REP_LEN = MATCH_LEN + LEN_SIZE;
const LITERAL = REP_LEN + LEN_SIZE;

/**
 * Decodes one LZMA2 stream (an xz block's data) chunk by chunk into a sliding dictionary, handing
 * each chunk's output to a sink.
 * @internal
 */
export class Lzma2Decoder {
  /** The dictionary so far: it grows, doubling, up to #dictionarySize, then wraps around. */
  #dictionary: Uint8Array;
  #size: number;
  readonly #dictionarySize: number;
  /** Where the next byte goes in the dictionary. */
  #pos = 0;
  /** How many bytes the dictionary holds (≤ its size): how far back a match may reach. */
  #full = 0;
  /** Where the bytes not yet handed to the sink start. */
  #flushed = 0;
  /** Bytes written since the last dictionary reset (positions for pb and lp). */
  #total = 0;
  readonly #sink: (chunk: Uint8Array) => void;
  #probabilities = new Uint16Array(0);
  #lc = 0;
  #lp = 0;
  #pb = 0;
  #state = 0;
  #rep0 = 0;
  #rep1 = 0;
  #rep2 = 0;
  #rep3 = 0;
  #needDictionaryReset = true;
  #needProperties = true;
  #needStateReset = false;
  // The range decoder of the current chunk.
  #range = 0;
  #code = 0;
  #input: Uint8Array = new Uint8Array(0);
  #inPos = 0;
  #chunkOffset = 0;

  /**
   * @param dictionarySize the dictionary the block's filter properties ask for, capped by the caller.
   */
  constructor(dictionarySize: number, sink: (chunk: Uint8Array) => void) {
    this.#dictionarySize = Math.max(4096, dictionarySize);
    // Memory follows the data: a small file costs little whatever dictionary its header asks for.
    this.#size = Math.min(this.#dictionarySize, INITIAL_DICTIONARY);
    this.#dictionary = new Uint8Array(this.#size);
    this.#sink = sink;
  }

  /** Total bytes decoded since the decoder was made. */
  get produced(): number {
    return this.#produced;
  }
  #produced = 0;

  /**
   * Decodes chunks from `input` until the end-of-stream chunk.
   * @param progress called after each chunk with the input's position.
   */
  decode(input: CompressedInput, progress: (consumed: number) => void): void {
    for (;;) {
      const at = input.position;
      const control = input.byte("an LZMA2 chunk header");
      if (control === 0) return;
      if (control >= 0xe0 || control === 1) {
        this.#needDictionaryReset = false;
        this.#resetDictionary();
      } else if (this.#needDictionaryReset) {
        this.#fail(at, "the first chunk does not reset the dictionary");
      }
      if (control < 0x80) {
        if (control > 2) this.#fail(at, `invalid chunk type 0x${control.toString(16)}`);
        const header = input.take(2, "an LZMA2 chunk header");
        const size = ((header[0]! << 8) | header[1]!) + 1;
        this.#copyStored(input.take(size, "an LZMA2 stored chunk"));
        // The next LZMA chunk must reset the state (its probabilities describe other data).
        this.#needStateReset = true;
        progress(input.position);
        continue;
      }
      const header = input.take(4, "an LZMA2 chunk header");
      const unpacked = ((control & 0x1f) << 16) + (header[0]! << 8) + header[1]! + 1;
      const packed = (header[2]! << 8) + header[3]! + 1;
      const reset = (control >>> 5) & 3;
      if (reset >= 2) {
        this.#setProperties(input.byte("LZMA2 chunk properties"), at);
        this.#needProperties = false;
      } else if (this.#needProperties) {
        this.#fail(at, "an LZMA chunk without properties before any");
      }
      if (reset >= 1) {
        this.#resetState();
        this.#needStateReset = false;
      } else if (this.#needStateReset) {
        this.#fail(at, "an LZMA chunk after a stored chunk does not reset its state");
      }
      this.#chunkOffset = input.position;
      this.#decodeChunk(input.take(packed, "an LZMA2 chunk"), unpacked);
      progress(input.position);
    }
  }

  #fail(offset: number, what: string): never {
    throw new CompressedDataError(`LZMA2 data at offset 0x${offset.toString(16)} is corrupt: ${what}`, offset);
  }

  #resetDictionary(): void {
    this.#pos = 0;
    this.#full = 0;
    this.#flushed = 0;
    this.#total = 0;
  }

  #setProperties(byte: number, at: number): void {
    if (byte > (4 * 5 + 4) * 9 + 8) this.#fail(at, `invalid properties byte 0x${byte.toString(16)}`);
    this.#lc = byte % 9;
    const rest = Math.floor(byte / 9);
    this.#lp = rest % 5;
    this.#pb = Math.floor(rest / 5);
    if (this.#lc + this.#lp > 4) this.#fail(at, `lc + lp = ${this.#lc + this.#lp} is more than LZMA2 allows (4)`);
    const size = LITERAL + 0x300 * (1 << (this.#lc + this.#lp));
    if (this.#probabilities.length !== size) this.#probabilities = new Uint16Array(size);
  }

  #resetState(): void {
    this.#probabilities.fill(PROBABILITY_INIT);
    this.#state = 0;
    this.#rep0 = this.#rep1 = this.#rep2 = this.#rep3 = 0;
  }

  /** Hands the bytes written since the last flush to the sink. */
  #flush(): void {
    if (this.#pos > this.#flushed) {
      this.#sink(this.#dictionary.subarray(this.#flushed, this.#pos));
      this.#produced += this.#pos - this.#flushed;
    }
    this.#flushed = this.#pos;
  }

  #copyStored(bytes: Uint8Array): void {
    let from = 0;
    while (from < bytes.length) {
      if (this.#pos === this.#size) this.#pos = this.#wrap(this.#pos);
      const take = Math.min(bytes.length - from, this.#size - this.#pos);
      this.#dictionary.set(bytes.subarray(from, from + take), this.#pos);
      this.#pos += take;
      from += take;
      this.#full = Math.min(this.#size, this.#full + take);
      this.#total += take;
    }
    this.#flush();
  }

  #decodeChunk(input: Uint8Array, unpacked: number): void {
    if (input.length < 5 || input[0] !== 0) this.#fail(this.#chunkOffset, "the range coder does not start with a zero byte");
    this.#input = input;
    this.#code = ((input[1]! << 24) | (input[2]! << 16) | (input[3]! << 8) | input[4]!) >>> 0;
    this.#range = 0xffffffff;
    this.#inPos = 5;
    let dictionary = this.#dictionary;
    let size = this.#size;
    const lc = this.#lc;
    const lpMask = (1 << this.#lp) - 1;
    const pbMask = (1 << this.#pb) - 1;
    let state = this.#state;
    let rep0 = this.#rep0;
    let rep1 = this.#rep1;
    let rep2 = this.#rep2;
    let rep3 = this.#rep3;
    let pos = this.#pos;
    let full = this.#full;
    let remaining = unpacked;
    while (remaining > 0) {
      const total = this.#total + (unpacked - remaining);
      const posState = total & pbMask;
      if (this.#bit(IS_MATCH + (state << 4) + posState) === 0) {
        let previousByte = 0;
        if (full > 0) previousByte = dictionary[pos === 0 ? size - 1 : pos - 1]!;
        const base = LITERAL + 0x300 * (((total & lpMask) << lc) + (previousByte >>> (8 - lc)));
        let symbol = 1;
        if (state >= 7) {
          let index = pos - rep0 - 1;
          if (index < 0) index += size;
          let matchByte = dictionary[index]!;
          do {
            const matchBit = (matchByte >>> 7) & 1;
            matchByte <<= 1;
            const bit = this.#bit(base + ((1 + matchBit) << 8) + symbol);
            symbol = (symbol << 1) | bit;
            if (matchBit !== bit) break;
          } while (symbol < 0x100);
        }
        if (symbol < 0x100) symbol = this.#literal(base, symbol);
        if (pos === size) {
          pos = this.#wrap(pos);
          dictionary = this.#dictionary;
          size = this.#size;
        }
        dictionary[pos++] = symbol & 0xff;
        if (full < size) full++;
        remaining--;
        state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        continue;
      }
      let length: number;
      if (this.#bit(IS_REP + state) !== 0) {
        if (full === 0) this.#fail(this.#chunkOffset, "a repeated match before any data");
        if (this.#bit(IS_REP_G0 + state) === 0) {
          if (this.#bit(IS_REP0_LONG + (state << 4) + posState) === 0) {
            state = state < 7 ? 9 : 11;
            let index = pos - rep0 - 1;
            if (index < 0) index += size;
            const byte = dictionary[index]!;
            if (pos === size) {
              pos = this.#wrap(pos);
              dictionary = this.#dictionary;
              size = this.#size;
            }
            dictionary[pos++] = byte;
            if (full < size) full++;
            remaining--;
            continue;
          }
        } else {
          let distance: number;
          if (this.#bit(IS_REP_G1 + state) === 0) distance = rep1;
          else {
            if (this.#bit(IS_REP_G2 + state) === 0) distance = rep2;
            else {
              distance = rep3;
              rep3 = rep2;
            }
            rep2 = rep1;
          }
          rep1 = rep0;
          rep0 = distance;
        }
        length = this.#length(REP_LEN, posState);
        state = state < 7 ? 8 : 11;
      } else {
        rep3 = rep2;
        rep2 = rep1;
        rep1 = rep0;
        length = this.#length(MATCH_LEN, posState);
        state = state < 7 ? 7 : 10;
        rep0 = this.#distance(length);
        if (rep0 === 0xffffffff) this.#fail(this.#chunkOffset, "an end marker, which LZMA2 does not use");
      }
      if (rep0 >= full) this.#fail(this.#chunkOffset, `a match ${rep0 + 1} bytes back, with ${full} bytes decoded`);
      length += MATCH_MIN_LENGTH;
      if (length > remaining) this.#fail(this.#chunkOffset, "a match runs past the chunk");
      remaining -= length;
      if (pos === size) {
        pos = this.#wrap(pos);
        dictionary = this.#dictionary;
        size = this.#size;
      }
      let from = pos - rep0 - 1;
      if (from < 0) from += size;
      if (from < pos && pos + length <= size) {
        // Neither end wraps: copy in blocks; an overlapping match repeats the rep0 + 1 bytes
        // before it, so each copy can take all that is written so far (doubling).
        let left = length;
        while (left > 0) {
          const count = Math.min(pos - from, left);
          dictionary.copyWithin(pos, from, from + count);
          pos += count;
          left -= count;
        }
        full = Math.min(size, full + length);
      } else {
        for (let count = 0; count < length; count++) {
          // Grow (or wrap) first: a dictionary that grows keeps `from` going past the old end.
          if (pos === size) {
            pos = this.#wrap(pos);
            dictionary = this.#dictionary;
            size = this.#size;
          }
          const byte = dictionary[from]!;
          if (++from === size) from = 0;
          dictionary[pos++] = byte;
          if (full < size) full++;
        }
      }
    }
    this.#state = state;
    this.#rep0 = rep0;
    this.#rep1 = rep1;
    this.#rep2 = rep2;
    this.#rep3 = rep3;
    this.#pos = pos;
    this.#full = full;
    this.#total += unpacked;
    if (this.#inPos !== input.length || this.#code !== 0) {
      this.#fail(this.#chunkOffset, `the chunk's ${input.length} bytes do not end where its ${unpacked} bytes of data end`);
    }
    this.#flush();
  }

  /** The dictionary is full up to its end: hands it to the sink and starts again at 0. */
  #wrap(pos: number): number {
    if (this.#size < this.#dictionarySize) {
      // Not wrapped yet: grow, keeping every position (nothing to flush).
      const grown = new Uint8Array(Math.min(this.#dictionarySize, this.#size * 2));
      grown.set(this.#dictionary);
      this.#dictionary = grown;
      this.#size = grown.length;
      return pos;
    }
    this.#pos = pos;
    this.#flush();
    this.#flushed = 0;
    return 0;
  }

  /**
   * The rest of a literal's bits from `symbol` on: #bit() written out with the range coder in
   * locals, since literals are most of the bits of data that is not zeros.
   */
  #literal(base: number, symbol: number): number {
    const probabilities = this.#probabilities;
    const input = this.#input;
    let range = this.#range;
    let code = this.#code;
    let inPos = this.#inPos;
    while (symbol < 0x100) {
      const index = base + symbol;
      const probability = probabilities[index]!;
      const bound = (range >>> 11) * probability;
      if (code < bound) {
        range = bound;
        probabilities[index] = probability + ((2048 - probability) >>> 5);
        symbol <<= 1;
      } else {
        range = (range - bound) >>> 0;
        code = (code - bound) >>> 0;
        probabilities[index] = probability - (probability >>> 5);
        symbol = (symbol << 1) | 1;
      }
      if (range < 0x1000000) {
        if (inPos >= input.length) {
          this.#inPos = inPos;
          this.#fail(this.#chunkOffset, "the range coder reads past the chunk");
        }
        range = (range << 8) >>> 0;
        code = ((code << 8) | input[inPos++]!) >>> 0;
      }
    }
    this.#range = range;
    this.#code = code;
    this.#inPos = inPos;
    return symbol;
  }

  /** One bit with the adaptive probability at `index`. */
  #bit(index: number): number {
    const probabilities = this.#probabilities;
    const probability = probabilities[index]!;
    const bound = (this.#range >>> 11) * probability;
    let bit: number;
    if (this.#code < bound) {
      this.#range = bound;
      probabilities[index] = probability + ((2048 - probability) >>> 5);
      bit = 0;
    } else {
      this.#range = (this.#range - bound) >>> 0;
      this.#code = (this.#code - bound) >>> 0;
      probabilities[index] = probability - (probability >>> 5);
      bit = 1;
    }
    if (this.#range < 0x1000000) this.#normalize();
    return bit;
  }

  #normalize(): void {
    if (this.#inPos >= this.#input.length) this.#fail(this.#chunkOffset, "the range coder reads past the chunk");
    this.#range = (this.#range << 8) >>> 0;
    this.#code = ((this.#code << 8) | this.#input[this.#inPos++]!) >>> 0;
  }

  /** `count` bits of equal probability. */
  #direct(count: number): number {
    let result = 0;
    for (let index = 0; index < count; index++) {
      this.#range = this.#range >>> 1;
      let bit = 0;
      if (this.#code >= this.#range) {
        this.#code = (this.#code - this.#range) >>> 0;
        bit = 1;
      }
      result = ((result << 1) | bit) >>> 0;
      if (this.#range < 0x1000000) this.#normalize();
    }
    return result;
  }

  #tree(base: number, bits: number): number {
    let symbol = 1;
    for (let index = 0; index < bits; index++) symbol = (symbol << 1) | this.#bit(base + symbol);
    return symbol - (1 << bits);
  }

  #reverseTree(base: number, bits: number): number {
    let m = 1;
    let symbol = 0;
    for (let index = 0; index < bits; index++) {
      const bit = this.#bit(base + m);
      m = (m << 1) | bit;
      symbol |= bit << index;
    }
    return symbol;
  }

  #length(base: number, posState: number): number {
    if (this.#bit(base + LEN_CHOICE) === 0) return this.#tree(base + LEN_LOW + posState * LEN_LOW_SYMBOLS, 3);
    if (this.#bit(base + LEN_CHOICE2) === 0) return LEN_LOW_SYMBOLS + this.#tree(base + LEN_MID + posState * LEN_MID_SYMBOLS, 3);
    return LEN_LOW_SYMBOLS + LEN_MID_SYMBOLS + this.#tree(base + LEN_HIGH, 8);
  }

  #distance(length: number): number {
    const lengthState = Math.min(length, 3);
    const slot = this.#tree(POS_SLOT + (lengthState << 6), 6);
    if (slot < 4) return slot;
    const directBits = (slot >>> 1) - 1;
    let distance = ((2 | (slot & 1)) << directBits) >>> 0;
    if (slot < END_POS_MODEL_INDEX) return (distance + this.#reverseTree(SPEC_POS + distance - slot, directBits)) >>> 0;
    distance = (distance + ((this.#direct(directBits - ALIGN_BITS) << ALIGN_BITS) >>> 0)) >>> 0;
    return (distance + this.#reverseTree(ALIGN, ALIGN_BITS)) >>> 0;
  }
}
