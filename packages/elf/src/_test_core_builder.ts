// Test support (not published): builds small x86-64 core files byte by byte — notes (NT_PRSTATUS,
// NT_FILE, anything), PT_NOTE and PT_LOAD headers pointing anywhere, overlapping or not — so unit
// tests can make the crafted cores no kernel writes.
import { ByteWriter } from "./_test_elf_builder.js";

/** One note: owner, type and descriptor. */
export interface TestNote {
  readonly name: string;
  readonly type: number;
  readonly desc: Uint8Array;
}

/** One `PT_LOAD` header; `data` is appended to the file, else `offset`/`filesz` point anywhere. */
export interface TestLoad {
  readonly vaddr: bigint;
  readonly data?: Uint8Array;
  readonly offset?: number;
  readonly filesz?: number;
  readonly memsz?: bigint;
}

/** What {@link buildCore} writes. */
export interface TestCoreSpec {
  readonly notes?: readonly TestNote[];
  readonly loads?: readonly TestLoad[];
  /** How many `PT_NOTE` headers point at the one block of notes (default 1). */
  readonly noteSegments?: number;
  /** `e_machine` (default `EM_X86_64`, 62). */
  readonly machine?: number;
}

/** The bytes of notes, 4-aligned. */
export function noteBytes(notes: readonly TestNote[]): Uint8Array {
  const w = new ByteWriter(true, true);
  for (const note of notes) {
    const name = new TextEncoder().encode(note.name);
    w.u32(name.length + 1)
      .u32(note.desc.length)
      .u32(note.type);
    w.bytes(name).u8(0).align(4);
    w.bytes(note.desc).align(4);
  }
  return w.finish();
}

/** An x86-64 `NT_PRSTATUS` descriptor for thread `tid` (registers zero). */
export function prStatus(tid: number): Uint8Array {
  const desc = new Uint8Array(336);
  new DataView(desc.buffer).setInt32(32, tid, true);
  return desc;
}

/**
 * An aarch64 `NT_PRSTATUS` descriptor (392 bytes, as Linux and qemu-user write it) for thread
 * `tid`: `x0`–`x30`, `sp`, `pc`, `pstate` from `registers` (the rest zero).
 */
export function aarch64PrStatus(tid: number, registers: Readonly<Record<string, bigint>> = {}): Uint8Array {
  const desc = new Uint8Array(392);
  const view = new DataView(desc.buffer);
  view.setInt32(32, tid, true);
  const names = [...Array.from({ length: 31 }, (_, i) => `x${i}`), "sp", "pc", "pstate"];
  names.forEach((name, i) => view.setBigUint64(112 + i * 8, registers[name] ?? 0n, true));
  return desc;
}

/** An `NT_FILE` descriptor: page size 4096, each mapping's start, end, page offset and path. */
export function fileNote(mappings: readonly { start: bigint; end: bigint; pageOffset?: bigint; path: string }[]): Uint8Array {
  const w = new ByteWriter(true, true);
  w.u64(mappings.length).u64(4096);
  for (const m of mappings)
    w.u64(m.start)
      .u64(m.end)
      .u64(m.pageOffset ?? 0n);
  for (const m of mappings) w.cstring(m.path);
  return w.finish();
}

/** Builds an ELF64 little-endian `ET_CORE` file for `EM_X86_64` (or `spec.machine`). */
export function buildCore(spec: TestCoreSpec): Uint8Array {
  const notes = noteBytes(spec.notes ?? []);
  const loads = spec.loads ?? [];
  const noteSegments = spec.noteSegments ?? 1;
  const phnum = noteSegments + loads.length;
  if (phnum > 0xfffe) throw new RangeError("buildCore writes at most 65 534 program headers");
  const notesAt = 64 + 56 * phnum;
  let dataAt = notesAt + notes.length;
  const w = new ByteWriter(true, true);
  w.bytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  w.u16(4)
    .u16(spec.machine ?? 62)
    .u32(1)
    .u64(0)
    .u64(64)
    .u64(0)
    .u32(0);
  w.u16(64).u16(56).u16(phnum).u16(64).u16(0).u16(0);
  for (let i = 0; i < noteSegments; i++) w.u32(4).u32(0).u64(notesAt).u64(0).u64(0).u64(notes.length).u64(0).u64(4);
  for (const load of loads) {
    const filesz = load.filesz ?? load.data?.length ?? 0;
    const offset = load.offset ?? dataAt;
    if (load.data) dataAt += load.data.length;
    w.u32(1)
      .u32(6)
      .u64(offset)
      .u64(load.vaddr)
      .u64(0)
      .u64(filesz)
      .u64(load.memsz ?? BigInt(filesz))
      .u64(4096);
  }
  w.bytes(notes);
  for (const load of loads) if (load.data) w.bytes(load.data);
  return w.finish();
}

/**
 * An ELF64 `ET_DYN` image for x86-64 whose program headers are `headers` `PT_NOTE` entries, all
 * over the one block `notes` that follows them; padded with zeros to `size` bytes when given (a
 * module's first pages as a core holds them).
 */
export function noteImage(headers: number, notes: Uint8Array, size = 0): Uint8Array {
  const w = new ByteWriter(true, true);
  const notesAt = 64 + 56 * headers;
  w.bytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  w.u16(3).u16(62).u32(1).u64(0).u64(64).u64(0).u32(0);
  w.u16(64).u16(56).u16(headers).u16(64).u16(0).u16(0);
  for (let i = 0; i < headers; i++) w.u32(4).u32(4).u64(notesAt).u64(0).u64(0).u64(notes.length).u64(notes.length).u64(4);
  w.bytes(notes);
  const image = w.finish();
  if (image.length >= size) return image;
  const padded = new Uint8Array(size);
  padded.set(image);
  return padded;
}
