// Test support (not published): builds small ELF files byte by byte, in either class and byte
// order, with symbol tables and their GNU/SysV hash sections, so unit tests can cover layouts
// no tool on the test machine produces (ELF32 big-endian…) and hand-made malformations.

/** Appends fixed-width values in one byte order. */
export class ByteWriter {
  readonly is64: boolean;
  readonly littleEndian: boolean;
  #bytes = new Uint8Array(256);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;

  constructor(is64: boolean, littleEndian: boolean) {
    this.is64 = is64;
    this.littleEndian = littleEndian;
  }

  get length(): number {
    return this.#length;
  }

  #grow(count: number): number {
    const at = this.#length;
    if (at + count > this.#bytes.length) {
      const bigger = new Uint8Array(Math.max(this.#bytes.length * 2, at + count));
      bigger.set(this.#bytes);
      this.#bytes = bigger;
      this.#view = new DataView(bigger.buffer);
    }
    this.#length += count;
    return at;
  }

  u8(value: number): this {
    const at = this.#grow(1);
    this.#view.setUint8(at, value);
    return this;
  }
  u16(value: number): this {
    const at = this.#grow(2);
    this.#view.setUint16(at, value, this.littleEndian);
    return this;
  }
  u32(value: number): this {
    const at = this.#grow(4);
    this.#view.setUint32(at, value >>> 0, this.littleEndian);
    return this;
  }
  u64(value: bigint | number): this {
    const at = this.#grow(8);
    this.#view.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), this.littleEndian);
    return this;
  }
  /** A 32- or 64-bit word, by class. */
  word(value: bigint | number): this {
    return this.is64 ? this.u64(value) : this.u32(Number(value));
  }
  bytes(value: Uint8Array): this {
    const at = this.#grow(value.length);
    this.#bytes.set(value, at);
    return this;
  }
  /** A NUL-terminated UTF-8 string. */
  cstring(value: string): this {
    return this.bytes(new TextEncoder().encode(value)).u8(0);
  }
  align(to: number): this {
    while (this.#length % to !== 0) this.u8(0);
    return this;
  }
  /** Overwrites a 32-bit value already written. */
  setU32(at: number, value: number): this {
    this.#view.setUint32(at, value >>> 0, this.littleEndian);
    return this;
  }
  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

/** A string table and the offset of each string in it. */
export function stringTable(strings: readonly string[]): { bytes: Uint8Array; offsets: Map<string, number> } {
  const writer = new ByteWriter(false, true).u8(0);
  const offsets = new Map<string, number>([["", 0]]);
  for (const text of strings) {
    if (offsets.has(text)) continue;
    offsets.set(text, writer.length);
    writer.cstring(text);
  }
  return { bytes: writer.finish(), offsets };
}

export interface TestSection {
  name: string;
  type: number;
  flags?: bigint;
  addr?: bigint;
  /** Index of the linked section, or its name. */
  link?: number | string;
  info?: number;
  entsize?: number;
  align?: number;
  data?: Uint8Array;
  /** Overrides sh_size (default: data length). */
  size?: number;
  /** Overrides sh_offset. */
  offset?: number;
}

export interface TestSegment {
  type: number;
  flags?: number;
  /** Takes offset, size and address from this section. */
  section?: string;
  offset?: number;
  filesz?: number;
  vaddr?: bigint;
  memsz?: bigint;
  align?: bigint;
}

export interface TestElfSpec {
  is64: boolean;
  littleEndian: boolean;
  type?: number;
  machine?: number;
  sections?: TestSection[];
  segments?: TestSegment[];
}

/**
 * Builds an ELF file: header, program headers, section data (in order), `.shstrtab`, section
 * headers. Section indexes start at 1 in the order given; `.shstrtab` comes last.
 */
export function buildElf(spec: TestElfSpec): Uint8Array {
  const { is64, littleEndian } = spec;
  const sections = spec.sections ?? [];
  const segments = spec.segments ?? [];
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const names = stringTable([...sections.map((s) => s.name), ".shstrtab"]);
  const indexOf = (link: number | string | undefined): number => {
    if (link === undefined) return 0;
    if (typeof link === "number") return link;
    const index = sections.findIndex((s) => s.name === link);
    if (index < 0) throw new Error(`no section ${link}`);
    return index + 1;
  };

  // Layout.
  let position = ehsize + phentsize * segments.length;
  const offsets: number[] = [];
  for (const section of sections) {
    const align = Math.max(1, section.align ?? 8);
    position = Math.ceil(position / align) * align;
    offsets.push(position);
    if (section.type !== 8) position += section.data?.length ?? 0;
  }
  const shstrtabOffset = position;
  position += names.bytes.length;
  const shoff = Math.ceil(position / 8) * 8;

  const w = new ByteWriter(is64, littleEndian);
  w.bytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, littleEndian ? 1 : 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  w.u16(spec.type ?? 3)
    .u16(spec.machine ?? (is64 ? 62 : 3))
    .u32(1)
    .word(0);
  w.word(segments.length > 0 ? ehsize : 0)
    .word(shoff)
    .u32(0);
  w.u16(ehsize)
    .u16(phentsize)
    .u16(segments.length)
    .u16(shentsize)
    .u16(sections.length + 2)
    .u16(sections.length + 1);
  for (const segment of segments) {
    const sectionIndex = segment.section === undefined ? -1 : sections.findIndex((s) => s.name === segment.section);
    const section = sections[sectionIndex];
    const offset = segment.offset ?? (section ? (section.offset ?? offsets[sectionIndex]!) : 0);
    const filesz = segment.filesz ?? (section ? (section.size ?? section.data?.length ?? 0) : 0);
    const vaddr = segment.vaddr ?? section?.addr ?? BigInt(offset);
    const memsz = segment.memsz ?? BigInt(filesz);
    const align = segment.align ?? 8n;
    if (is64) {
      w.u32(segment.type)
        .u32(segment.flags ?? 4)
        .u64(offset)
        .u64(vaddr)
        .u64(vaddr)
        .u64(filesz)
        .u64(memsz)
        .u64(align);
    } else {
      w.u32(segment.type)
        .u32(offset)
        .u32(Number(vaddr))
        .u32(Number(vaddr))
        .u32(filesz)
        .u32(Number(memsz))
        .u32(segment.flags ?? 4)
        .u32(Number(align));
    }
  }
  sections.forEach((section, index) => {
    while (w.length < offsets[index]!) w.u8(0);
    if (section.type !== 8 && section.data) w.bytes(section.data);
  });
  while (w.length < shstrtabOffset) w.u8(0);
  w.bytes(names.bytes);
  w.align(8);
  const header = (
    name: number,
    type: number,
    flags: bigint,
    addr: bigint,
    offset: number,
    size: number,
    link: number,
    info: number,
    align: number,
    entsize: number,
  ): void => {
    w.u32(name).u32(type).word(flags).word(addr).word(offset).word(size).u32(link).u32(info).word(align).word(entsize);
  };
  header(0, 0, 0n, 0n, 0, 0, 0, 0, 0, 0);
  sections.forEach((section, index) => {
    header(
      names.offsets.get(section.name)!,
      section.type,
      section.flags ?? 0n,
      section.addr ?? 0n,
      section.offset ?? offsets[index]!,
      section.size ?? section.data?.length ?? 0,
      indexOf(section.link),
      section.info ?? 0,
      section.align ?? 8,
      section.entsize ?? 0,
    );
  });
  header(names.offsets.get(".shstrtab")!, 3, 0n, 0n, shstrtabOffset, names.bytes.length, 0, 0, 1, 0);
  return w.finish();
}

export interface TestSymbol {
  name: string;
  value?: bigint;
  size?: bigint;
  /** STT_* */
  type?: number;
  /** STB_* */
  bind?: number;
  other?: number;
  /** Default 1 (defined); 0 = undefined. */
  shndx?: number;
}

/** Symbol entries for `symbols` (index 0, the null symbol, is added first). */
export function symbolEntries(symbols: readonly TestSymbol[], offsets: Map<string, number>, is64: boolean, littleEndian: boolean): Uint8Array {
  const w = new ByteWriter(is64, littleEndian);
  const all: TestSymbol[] = [{ name: "", shndx: 0, type: 0, bind: 0 }, ...symbols];
  for (const symbol of all) {
    const info = ((symbol.bind ?? 1) << 4) | (symbol.type ?? 2);
    const name = offsets.get(symbol.name)!;
    if (is64)
      w.u32(name)
        .u8(info)
        .u8(symbol.other ?? 0)
        .u16(symbol.shndx ?? 1)
        .u64(symbol.value ?? 0n)
        .u64(symbol.size ?? 0n);
    else
      w.u32(name)
        .u32(Number(symbol.value ?? 0n))
        .u32(Number(symbol.size ?? 0n))
        .u8(info)
        .u8(symbol.other ?? 0)
        .u16(symbol.shndx ?? 1);
  }
  return w.finish();
}

/** The GNU hash of a name (`dl_new_hash`). */
export function testGnuHash(name: string): number {
  let h = 5381;
  for (const byte of new TextEncoder().encode(name)) h = (h * 33 + byte) >>> 0;
  return h;
}

/** The SysV ELF hash of a name. */
export function testSysvHash(name: string): number {
  let h = 0;
  for (const byte of new TextEncoder().encode(name)) {
    h = ((h << 4) >>> 0) + byte;
    const g = h & 0xf0000000;
    if (g !== 0) h ^= g >>> 24;
    h = (h & ~g) >>> 0;
  }
  return h;
}

/**
 * A dynamic symbol table with both hash sections. Undefined symbols come first (not hashed by
 * the GNU table); defined ones are reordered by GNU bucket, as linkers do. `symbols[i]` of the
 * result is the symbol at index i + 1.
 */
export function dynamicSymbolTable(
  input: readonly TestSymbol[],
  options: { is64: boolean; littleEndian: boolean; nbuckets?: number; bloomSize?: number; bloomShift?: number },
): { symbols: TestSymbol[]; dynsym: Uint8Array; dynstr: Uint8Array; gnuHash: Uint8Array; sysvHash: Uint8Array } {
  const { is64, littleEndian } = options;
  const nbuckets = options.nbuckets ?? 7;
  const bloomSize = options.bloomSize ?? 2;
  const bloomShift = options.bloomShift ?? 6;
  const undefinedSymbols = input.filter((s) => s.shndx === 0);
  const defined = input
    .filter((s) => s.shndx !== 0)
    .map((symbol, order) => ({ symbol, order, h: testGnuHash(symbol.name) }))
    .sort((a, b) => (a.h % nbuckets) - (b.h % nbuckets) || a.order - b.order);
  const symbols = [...undefinedSymbols, ...defined.map((d) => d.symbol)];
  const symoffset = 1 + undefinedSymbols.length;
  const strings = stringTable(symbols.map((s) => s.name));
  const dynsym = symbolEntries(symbols, strings.offsets, is64, littleEndian);

  const bits = is64 ? 64 : 32;
  const bloom = new Array<bigint>(bloomSize).fill(0n);
  for (const { h } of defined) {
    const word = Math.floor(h / bits) % bloomSize;
    bloom[word] = bloom[word]! | (1n << BigInt(h % bits)) | (1n << BigInt((h >>> bloomShift) % bits));
  }
  const buckets = new Array<number>(nbuckets).fill(0);
  const chain: number[] = [];
  defined.forEach(({ h }, i) => {
    const index = symoffset + i;
    const bucket = h % nbuckets;
    if (buckets[bucket] === 0) buckets[bucket] = index;
    const last = i === defined.length - 1 || defined[i + 1]!.h % nbuckets !== bucket;
    chain.push(last ? (h | 1) >>> 0 : (h & ~1) >>> 0);
  });
  const gnu = new ByteWriter(is64, littleEndian).u32(nbuckets).u32(symoffset).u32(bloomSize).u32(bloomShift);
  for (const word of bloom) gnu.word(word);
  for (const bucket of buckets) gnu.u32(bucket);
  for (const entry of chain) gnu.u32(entry);

  const count = symbols.length + 1;
  const sysvBuckets = new Array<number>(nbuckets).fill(0);
  const sysvChain = new Array<number>(count).fill(0);
  symbols.forEach((symbol, i) => {
    const index = i + 1;
    const bucket = testSysvHash(symbol.name) % nbuckets;
    sysvChain[index] = sysvBuckets[bucket]!;
    sysvBuckets[bucket] = index;
  });
  const sysv = new ByteWriter(is64, littleEndian).u32(nbuckets).u32(count);
  for (const bucket of sysvBuckets) sysv.u32(bucket);
  for (const entry of sysvChain) sysv.u32(entry);

  return { symbols, dynsym, dynstr: strings.bytes, gnuHash: gnu.finish(), sysvHash: sysv.finish() };
}

/** Every ELF class and byte order, for tests that build the same file four ways, with a label. */
export const TEST_LAYOUTS = [
  { is64: true, littleEndian: true, label: "ELF64 LE" },
  { is64: true, littleEndian: false, label: "ELF64 BE" },
  { is64: false, littleEndian: true, label: "ELF32 LE" },
  { is64: false, littleEndian: false, label: "ELF32 BE" },
] as const;
