import { type AnyPythonLayout, LayoutFormatError, layoutFor, layoutFromDebugOffsets } from "@corestack/cpython-layouts";
import { type Reader, WalkError } from "./_reader.js";
import { pthreadMatcher } from "./_threads.js";
import type { DetectedVersion } from "./detect_version.js";
import { PythonError } from "./python_error.js";
import type { PythonTarget } from "./python_target.js";
import { ObjectReader } from "./read_objects.js";

// `--exhaustive`: the interpreter state found by scanning the process's writable memory, for a
// process whose files give no path to it (no symbol, no `.PyRuntime` section). Private to this
// package; the options and the result's summary are declared in analyse.ts.

/** A range of dumped writable memory to scan (a core's `PT_LOAD` segment with `PF_W`). */
export interface ScanRegion {
  /** First address. */
  readonly address: bigint;
  /** Dumped bytes. */
  readonly size: number;
  /** `length` bytes at `offset` in the region: a view, not a copy, wherever the source can. */
  bytes(offset: number, length: number): Uint8Array;
  /**
   * Whether the region is the data or bss of the Python executable or libpython (where the
   * runtime and the interpreter's other globals live): the second, small pass looks there only
   * when some region is marked.
   */
  readonly python?: boolean;
}

/** What the scan found, for the analysis and for the user. */
export interface ScanResult {
  /** Bytes scanned (the first pass). */
  readonly scannedBytes: number;
  /** The head of the interpreter list the analysis reads: the runtime's, else the chosen list's. */
  readonly head: bigint;
  /** The runtime (`_PyRuntime`, 3.7+), when found. */
  readonly runtime: bigint | undefined;
  /** 2.7, 3.6: the thread state `_PyThreadState_Current` holds, when it could be told. */
  readonly staticGilHolder: bigint | undefined;
  /** The version, when memory told more than the file names did. */
  readonly version: DetectedVersion | undefined;
  /** Interpreter-state candidates checked (structurally consistent pairs of words). */
  readonly candidates: number;
}

/**
 * Most interpreter-state candidates validated, and most `_Py_DebugOffsets` cookies. A candidate is
 * a pair of words that point at each other as `interp->threads.head` and `tstate->interp` do: a
 * real process has one per interpreter (a few; a few hundred more that fail the first check on
 * 3.11), a crafted core can make one of every 16 bytes. Each validation reads at most
 * {@link MAX_VALIDATED_THREADS} thread states, so this bounds the scan's random reads.
 */
export const MAX_SCAN_CANDIDATES = 4096;
/** Most thread states of one candidate's list that are checked (the list is walked again later, with its own limit). */
export const MAX_VALIDATED_THREADS = 1024;
/** Most version-string sightings recorded (each is a few bytes compared). */
const MAX_VERSION_HITS = 256;
/** Bytes read at a time: the progress callback's grain. */
const CHUNK = 1 << 20;
/** Bytes of the views cached for the random reads of the first pass. */
const PAGE = 1 << 16;
const MAX_CACHED_PAGES = 1024;
const TWO_32 = 4294967296;

function hex(address: bigint | number): string {
  return `0x${address.toString(16)}`;
}

/** A little-endian u32 view of `bytes` (a copy only when the view is not 4-byte aligned). */
function words(bytes: Uint8Array): Uint32Array {
  const count = bytes.length >>> 2;
  if (bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, count);
  return new Uint32Array(bytes.slice(0, count * 4).buffer);
}

/**
 * Calls `visit` with every region's bytes in aligned chunks of {@link CHUNK} as little-endian
 * words, in address order, and `progress` after each; returns the bytes the regions hold.
 */
function forEachChunk(
  index: RegionIndex,
  progress: ((scanned: number, total: number) => void) | undefined,
  visit: (chunk: Uint32Array, address: number) => void,
): number {
  const total = index.regions.reduce((sum, r) => sum + r.size, 0);
  let scanned = 0;
  for (const region of index.regions) {
    const regionStart = Number(region.address);
    for (let offset = 0; offset < region.size; offset += CHUNK) {
      const length = Math.min(CHUNK, region.size - offset) & ~7;
      if (length === 0) break;
      visit(words(region.bytes(offset, length)), regionStart + offset);
      scanned += length;
      progress?.(scanned, total);
    }
  }
  return total;
}

/** The first 4 bytes of `text`, as a little-endian u32. */
function u32Of(text: string): number {
  return (text.charCodeAt(0) | (text.charCodeAt(1) << 8) | (text.charCodeAt(2) << 16) | (text.charCodeAt(3) << 24)) >>> 0;
}

/** Word-granular reads over the regions, as numbers (addresses stay below 2^53). */
class RegionIndex {
  readonly regions: readonly ScanRegion[];
  readonly #starts: number[];
  readonly #ends: number[];
  /** Per region, its 64 KiB views read so far (a sparse array; numbers past 2^31 make slow Map keys). */
  #pages: ((Uint32Array | undefined)[] | undefined)[];
  #cached = 0;
  #last = -1;
  readonly minHi: number;
  readonly maxHi: number;

  constructor(regions: readonly ScanRegion[]) {
    this.regions = [...regions].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    this.#starts = this.regions.map((r) => Number(r.address));
    this.#ends = this.regions.map((r) => Number(r.address) + r.size);
    this.#pages = new Array<(Uint32Array | undefined)[] | undefined>(this.regions.length).fill(undefined);
    this.minHi = this.#starts.length === 0 ? 1 : Math.floor(this.#starts[0]! / TWO_32);
    this.maxHi = this.#ends.length === 0 ? 0 : Math.floor((this.#ends.at(-1)! - 1) / TWO_32);
  }

  /** The index of the region holding `address`, or -1. */
  find(address: number): number {
    const last = this.#last;
    if (last >= 0 && address >= this.#starts[last]! && address < this.#ends[last]!) return last;
    let low = 0;
    let high = this.#starts.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.#starts[middle]! <= address) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    if (found < 0 || address >= this.#ends[found]!) return -1;
    this.#last = found;
    return found;
  }

  /** The aligned u64 at `address` as a number, or -1 when it is not in a region (or not below 2^53). */
  u64(address: number): number {
    if (address % 8 !== 0) return -1;
    const index = this.find(address);
    if (index < 0) return -1;
    const offset = address - this.#starts[index]!;
    const pageIndex = Math.floor(offset / PAGE);
    let pages = this.#pages[index];
    if (pages === undefined) {
      // Filled, not sparse: V8 keeps a sparse array as a dictionary, ~10 times slower to index.
      pages = new Array<Uint32Array | undefined>(Math.ceil(this.regions[index]!.size / PAGE)).fill(undefined);
      this.#pages[index] = pages;
    }
    let page = pages[pageIndex];
    if (page === undefined) {
      // Views of a mapped file cost nothing to keep; the pread fallback's are copies: bounded.
      if (this.#cached >= MAX_CACHED_PAGES) {
        this.#pages = new Array<(Uint32Array | undefined)[] | undefined>(this.regions.length).fill(undefined);
        this.#cached = 0;
        pages = new Array<Uint32Array | undefined>(Math.ceil(this.regions[index]!.size / PAGE)).fill(undefined);
        this.#pages[index] = pages;
      }
      const region = this.regions[index]!;
      const start = pageIndex * PAGE;
      page = words(region.bytes(start, Math.min(PAGE, region.size - start) & ~7));
      pages[pageIndex] = page;
      this.#cached++;
    }
    const at = (offset - pageIndex * PAGE) >>> 2;
    if (at + 1 >= page.length) return -1;
    const hi = page[at + 1]!;
    if (hi >= 0x200000) return -1;
    return hi * TWO_32 + page[at]!;
  }
}

/** The version string's first 4 bytes ("3.12", "2.7."), and the pattern that reads its micro version. */
function versionPattern(version: DetectedVersion): { first: number; pattern: RegExp } {
  const text = `${version.major}.${version.minor}.`;
  return { first: u32Of(text), pattern: new RegExp(`^${version.major}\\.${version.minor}\\.(\\d{1,3})[a-z0-9+]* \\(`) };
}

interface Candidate {
  readonly interp: bigint;
  /** Thread states of its list, head first. */
  readonly threads: readonly bigint[];
  /** How many of them are threads of the core (by OS thread id or pthread handle). */
  readonly matched: number;
  readonly next: bigint;
  /** `PyInterpreterState.next` in the layout it was checked with. */
  readonly nextOffset: number;
}

/**
 * Scans the regions for the interpreter state; throws a PythonError (`no-runtime`) when no
 * candidate passes the structural checks, or when several do and nothing tells them apart.
 * @internal
 */
export function scanForInterpreter(
  target: PythonTarget,
  reader: Reader,
  version: DetectedVersion,
  options: { readonly regions: readonly ScanRegion[]; readonly progress?: (scanned: number, total: number) => void },
  warnings: string[],
): ScanResult {
  // Addresses are numbers in the hot loop: regions past 2^53 (none in a user-space process) are left out.
  const index = new RegionIndex(options.regions.filter((r) => r.size >= 8 && Number(r.address) + r.size <= Number.MAX_SAFE_INTEGER));
  const table = layoutFor(version.major, version.minor);
  const runtimeModel = table?.models.runtime;
  // 3.13+ (or a version newer than the tables): `_PyRuntime` starts with `_Py_DebugOffsets`.
  const cookies = table === undefined || (runtimeModel?.kind === "runtime" && runtimeModel.debugOffsets);
  const headOffset = table?.models.threadList.head ?? -1;
  const interpOffset = table?.PyThreadState.interp ?? -1;
  const { first: versionFirst, pattern: versionText } = versionPattern(version);
  const wantMicro = version.micro === undefined;

  const pass: FirstPass = {
    index,
    minHi: index.minHi,
    maxHi: index.maxHi,
    headOffset,
    interpOffset,
    versionFirst: wantMicro ? versionFirst : -1,
    cookies,
    cookieAt: [],
    candidates: new Set<number>(),
    dropped: false,
    versionHits: [],
  };
  const { cookieAt, candidates: candidateSet, versionHits } = pass;
  const total = forEachChunk(index, options.progress, (chunk, address) => scanChunk(chunk, address, pass));
  if (pass.dropped) warnings.push(`the exhaustive scan found more than ${MAX_SCAN_CANDIDATES} interpreter-state candidates: the others were not checked`);

  const objects = table ? new ObjectReader(reader, table) : undefined;
  const coreThreads = target.threads();
  const tids = new Set(coreThreads.map((thread) => thread.tid));
  // pthread_self() values map to threads through their thread pointer registers (x86-64's fs_base,
  // aarch64's tpidr_el0), as when the threads are read.
  const pthreadOf = pthreadMatcher(coreThreads);
  const hasThreadPointers = coreThreads.some((t) => (t.registers.fs_base ?? 0n) !== 0n || (t.registers.tpidr_el0 ?? 0n) !== 0n);
  const rejected: string[] = [];
  const valid = new Map<bigint, Candidate>();
  const check = (layout: AnyPythonLayout, interp: bigint, checkObjects: ObjectReader | undefined): Candidate | undefined => {
    const known = valid.get(interp);
    if (known) return known;
    try {
      const candidate = validateInterpreter(reader, layout, checkObjects, interp, { pthreadOf, hasThreadPointers, tids });
      valid.set(interp, candidate);
      return candidate;
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
      rejected.push(`${hex(interp)}: ${error.message}`);
      return undefined;
    }
  };
  if (table) for (const interp of candidateSet) check(table, BigInt(interp), objects);

  // 3.13+: each `_Py_DebugOffsets` cookie of the right version is a runtime candidate, whose
  // interpreters are checked with the layout it describes (a debug build's differs from the table's).
  const runtimes: { runtime: bigint; chain: readonly bigint[] }[] = [];
  for (const at of cookieAt) {
    const runtime = BigInt(at);
    try {
      const bytes = reader.bytes(runtime, 2048, "_Py_DebugOffsets");
      const layout = layoutFromDebugOffsets(bytes);
      const hexVersion = Number(new DataView(bytes.buffer, bytes.byteOffset, 16).getBigUint64(8, true) & 0xffffffffn);
      if (hexVersion >>> 24 !== version.major || ((hexVersion >>> 16) & 0xff) !== version.minor) {
        rejected.push(`${hex(runtime)}: _Py_DebugOffsets of Python ${hexVersion >>> 24}.${(hexVersion >>> 16) & 0xff}, not ${version.major}.${version.minor}`);
        continue;
      }
      const model = layout.models.runtime;
      if (model.kind !== "runtime") continue;
      const chain = interpreterChain(reader, reader.ptr(runtime + BigInt(model.interpreters_head), "interpreters.head"), layout.PyInterpreterState.next);
      const checker = new ObjectReader(reader, layout);
      // Each interpreter of its list, not only the head: the newest may have no thread state yet.
      if (chain.map((interp) => check(layout, interp, checker)).every((candidate) => candidate === undefined)) continue;
      runtimes.push({ runtime, chain });
    } catch (error) {
      if (!(error instanceof WalkError) && !LayoutFormatError.isInstance(error)) throw error;
      rejected.push(`${hex(runtime)}: ${error.message}`);
    }
  }

  // Lists: the valid interpreters that `next` pointers lead to from another valid one (through
  // interpreters without a thread state, which cannot be checked) belong to that one's list; a
  // valid interpreter that no other leads to heads one.
  const reached = new Map<bigint, Candidate[]>();
  const named = new Set<bigint>();
  for (const candidate of valid.values()) {
    const members: Candidate[] = [];
    for (const interp of interpreterChain(reader, candidate.next, candidate.nextOffset)) {
      const member = valid.get(interp);
      if (member === undefined) continue;
      members.push(member);
      named.add(interp);
    }
    reached.set(candidate.interp, members);
  }
  const lists = [...valid.values()]
    .filter((candidate) => !named.has(candidate.interp))
    .map((head) => {
      const members = [head, ...(reached.get(head.interp) ?? [])];
      return {
        head: head.interp,
        members,
        matched: members.reduce((sum, m) => sum + m.matched, 0),
        threads: members.reduce((sum, m) => sum + m.threads.length, 0),
      };
    })
    .sort((a, b) => b.matched - a.matched || b.threads - a.threads);
  const megabytes = (total / (1 << 20)).toFixed(1);
  if (lists.length === 0) {
    const checked = candidateSet.size + cookieAt.length;
    const limit = pass.dropped ? `; more than ${MAX_SCAN_CANDIDATES} candidates, the rest not checked` : "";
    const why = rejected.length > 0 ? `; rejected: ${rejected.slice(0, 3).join("; ")}${rejected.length > 3 ? `; ${rejected.length - 3} more` : ""}` : "";
    throw new PythonError(
      `The exhaustive scan of ${megabytes} MiB of writable memory found no valid Python ${version.text} interpreter state (${checked} candidates checked${limit}${why})`,
      { code: "no-runtime" },
    );
  }
  const chosen = lists[0]!;
  if (lists.length > 1) {
    const second = lists[1]!;
    if (second.matched === chosen.matched && second.threads === chosen.threads) {
      throw new PythonError(
        `The exhaustive scan found ${lists.length} interpreter states that pass every check and cannot be told apart (at ${lists
          .slice(0, 4)
          .map((l) => hex(l.head))
          .join(", ")}): refusing to guess`,
        { code: "no-runtime" },
      );
    }
    warnings.push(
      `the exhaustive scan found ${lists.length} interpreter states that pass the structural checks: using the one at ${hex(chosen.head)}, whose threads match ${chosen.matched} of the core's threads (the next best, at ${hex(second.head)}, matches ${second.matched} of ${second.threads})`,
    );
  }
  const main = chosen.members.at(-1)!;

  // The runtime: a cookie whose interpreter list ends at the chosen list's main interpreter, else
  // (3.7–3.12) the words that hold that main interpreter, 8 bytes after a head whose list ends
  // there too (`interpreters.head`, `interpreters.main`, in that order since 3.7). The analysis
  // then reads the runtime's list: an interpreter state whose `next` merely leads into it (a
  // decoy, or a stale copy) is left out, and said.
  let runtime: bigint | undefined;
  let runtimeChain: readonly bigint[] | undefined;
  const cookieRuntimes = [...new Set(runtimes.filter((r) => r.chain.at(-1) === main.interp).map((r) => r.runtime))];
  if (cookieRuntimes.length === 1) {
    runtime = cookieRuntimes[0];
    runtimeChain = runtimes.find((r) => r.runtime === runtime)?.chain;
  } else if (cookieRuntimes.length > 1) {
    warnings.push(
      `the exhaustive scan found ${cookieRuntimes.length} runtimes whose interpreter list is the one used (${cookieRuntimes.slice(0, 4).map(hex).join(", ")}): using none of them`,
    );
  }
  let staticGilHolder: bigint | undefined;
  const pythonRegions = index.regions.some((r) => r.python) ? index.regions.filter((r) => r.python) : undefined;
  if (runtime === undefined && runtimeModel?.kind === "runtime") {
    const headOffsetInRuntime = runtimeModel.interpreters_head;
    const mainOffset = runtimeModel.interpreters_main ?? headOffsetInRuntime + 8;
    const found = wordsEqualTo(pythonRegions ?? index.regions, [main.interp]).filter((at) => {
      const candidate = at - BigInt(mainOffset);
      try {
        const chain = interpreterChain(reader, reader.ptr(candidate + BigInt(headOffsetInRuntime), "interpreters.head"), main.nextOffset);
        if (chain.at(-1) !== main.interp) return false;
        const gil = table?.models.gil;
        if (gil?.kind === "runtime") {
          const current = reader.ptr(candidate + BigInt(gil.tstate_current), "gilstate.tstate_current");
          if (current !== 0n && !chosen.members.some((m) => m.threads.includes(current))) return false;
        }
        return true;
      } catch (error) {
        if (!(error instanceof WalkError)) throw error;
        return false;
      }
    });
    if (found.length === 1) {
      runtime = found[0]! - BigInt(mainOffset);
      runtimeChain = interpreterChain(reader, reader.ptr(runtime + BigInt(headOffsetInRuntime), "interpreters.head"), main.nextOffset);
    } else {
      warnings.push(
        found.length === 0
          ? "the exhaustive scan found the interpreter state but not the runtime that lists it: the GIL holder is unknown"
          : `the exhaustive scan found ${found.length} places that could be the runtime (${found
              .slice(0, 4)
              .map((at) => hex(at - BigInt(mainOffset)))
              .join(", ")}): using none of them, the GIL holder is unknown`,
      );
    }
  } else if (runtimeModel?.kind === "static") {
    // `_PyThreadState_Current` (and 3.6's `gil_last_holder`) are globals of libpython or the
    // executable: the thread states their data and bss point to.
    const threads = chosen.members.flatMap((m) => m.threads);
    const holders = pythonRegions ? [...new Set(wordsEqualTo(pythonRegions, threads).map((at) => reader.ptr(at, "_PyThreadState_Current")))] : [];
    if (holders.length === 1) staticGilHolder = holders[0];
    else {
      warnings.push(
        holders.length === 0
          ? "the exhaustive scan found no _PyThreadState_Current in the interpreter's globals: the GIL holder is unknown"
          : `the interpreter's globals point at ${holders.length} thread states (${holders.slice(0, 4).map(hex).join(", ")}): the GIL holder is unknown`,
      );
    }
  }

  if (runtime !== undefined) {
    const listed = runtimeChain ?? [];
    const outside = chosen.members.filter((m) => !listed.includes(m.interp));
    if (outside.length > 0) {
      const named = outside
        .slice(0, 4)
        .map((m) => hex(m.interp))
        .join(", ");
      warnings.push(`interpreter states that lead into the runtime's interpreter list but are not in it are not shown: ${named}`);
    }
  }

  let detected: DetectedVersion | undefined;
  if (runtime !== undefined && cookies) {
    const bytes = reader.bytes(runtime, 16, "_Py_DebugOffsets");
    const hexVersion = Number(new DataView(bytes.buffer, bytes.byteOffset, 16).getBigUint64(8, true) & 0xffffffffn);
    const micro = (hexVersion >>> 8) & 0xff;
    detected = {
      major: version.major,
      minor: version.minor,
      micro,
      hex: hexVersion,
      text: `${version.major}.${version.minor}.${micro}`,
      from: "debug offsets",
    };
  } else if (wantMicro) {
    const micros = new Map<number, number>();
    for (const at of versionHits) {
      try {
        const text = String.fromCharCode(...reader.bytes(BigInt(at), 24, "version string"));
        const match = versionText.exec(text);
        if (match) micros.set(Number(match[1]), (micros.get(Number(match[1])) ?? 0) + 1);
      } catch (error) {
        if (!(error instanceof WalkError)) throw error;
      }
    }
    const ranked = [...micros.entries()].sort((a, b) => b[1] - a[1]);
    if (ranked.length > 0) {
      const micro = ranked[0]![0];
      const text = `${version.major}.${version.minor}.${micro}`;
      if (ranked.length > 1) {
        const all = ranked.map(([m]) => `${version.major}.${version.minor}.${m}`).join(", ");
        warnings.push(`memory holds the version strings of ${all}: taking the most frequent, ${text}`);
      }
      detected = { major: version.major, minor: version.minor, micro, hex: undefined, text, from: "version string" };
    }
  }
  return {
    scannedBytes: total,
    // The list the analysis reads: the runtime's when there is one.
    head: runtimeChain?.[0] ?? chosen.head,
    runtime,
    staticGilHolder,
    version: detected,
    candidates: candidateSet.size + cookieAt.length,
  };
}

/** The first pass's constants and findings. */
interface FirstPass {
  readonly index: RegionIndex;
  readonly minHi: number;
  readonly maxHi: number;
  /** Offset of the thread list's head in `PyInterpreterState`; -1 without a table. */
  readonly headOffset: number;
  /** Offset of `interp` in `PyThreadState`. */
  readonly interpOffset: number;
  /** The version string's first 4 bytes, -1 when the micro version is known. */
  readonly versionFirst: number;
  readonly cookies: boolean;
  readonly cookieAt: number[];
  readonly candidates: Set<number>;
  dropped: boolean;
  readonly versionHits: number[];
}

const COOKIE_LO = u32Of("xdeb");
const COOKIE_HI = u32Of("ugpy");

/**
 * The first pass over one chunk: every aligned word, as the low and high halves of a u64. A word
 * that cannot be a pointer into the regions (most: zeros, small integers, text, floats) costs two
 * comparisons; one that can is taken as `interp->threads.head`, and the thread state it points to
 * must point back (`tstate->interp`) at the word's own interpreter state.
 */
function scanChunk(chunk: Uint32Array, base: number, pass: FirstPass): void {
  const { minHi, maxHi, headOffset, interpOffset, versionFirst, index } = pass;
  const length = chunk.length;
  for (let i = 0; i < length; i += 2) {
    const lo = chunk[i]!;
    const hi = chunk[i + 1]!;
    if (hi < minHi || hi > maxHi || (lo & 7) !== 0) {
      if (lo === versionFirst) {
        if (pass.versionHits.length < MAX_VERSION_HITS) pass.versionHits.push(base + i * 4);
      } else if (lo === COOKIE_LO && hi === COOKIE_HI && pass.cookies) {
        if (pass.cookieAt.length < MAX_SCAN_CANDIDATES) pass.cookieAt.push(base + i * 4);
        else pass.dropped = true;
      }
      continue;
    }
    if (headOffset < 0) continue;
    const back = index.u64(hi * TWO_32 + lo + interpOffset);
    if (back > 0 && back === base + i * 4 - headOffset) {
      if (pass.candidates.size < MAX_SCAN_CANDIDATES) pass.candidates.add(back);
      else pass.dropped = true;
    }
  }
}

/**
 * The version of a process whose files do not name it (a program that embeds CPython statically,
 * stripped of its symbols and sections): the `_Py_DebugOffsets` cookies (3.13+, each with its
 * `PY_VERSION_HEX`) and the "X.Y.Z (" strings (`Py_GetVersion()`'s buffer, `sys.version`) in
 * memory; the most frequent version that has a layout table, or a cookie, wins. One more pass
 * over the regions, only when nothing else gave the version.
 * @internal
 */
export function versionFromMemory(
  reader: Reader,
  options: { readonly regions: readonly ScanRegion[]; readonly progress?: (scanned: number, total: number) => void },
  warnings: string[],
): DetectedVersion | undefined {
  const index = new RegionIndex(options.regions.filter((r) => r.size >= 8 && Number(r.address) + r.size <= Number.MAX_SAFE_INTEGER));
  const hits: number[] = [];
  forEachChunk(index, options.progress, (chunk, address) => scanVersions(chunk, address, hits));
  const votes = new Map<string, { major: number; minor: number; micro: number; hex: number | undefined; count: number }>();
  const vote = (major: number, minor: number, micro: number, hex: number | undefined, weight: number) => {
    if (hex === undefined && layoutFor(major, minor) === undefined) return;
    const key = `${major}.${minor}.${micro}`;
    const known = votes.get(key);
    if (known) votes.set(key, { ...known, hex: known.hex ?? hex, count: known.count + weight });
    else votes.set(key, { major, minor, micro, hex, count: weight });
  };
  for (const at of hits) {
    try {
      const bytes = reader.bytes(BigInt(at), 24, "version string");
      if (bytes[0] === 0x78) {
        // A cookie: the version follows it; it counts for more than a string anywhere in the heap.
        const hex = Number(new DataView(bytes.buffer, bytes.byteOffset, 16).getBigUint64(8, true) & 0xffffffffn);
        if (hex >>> 24 === 3) vote(hex >>> 24, (hex >>> 16) & 0xff, (hex >>> 8) & 0xff, hex, 16);
        continue;
      }
      const match = /^([23])\.(\d{1,2})\.(\d{1,3})[a-z0-9+]* \(/.exec(String.fromCharCode(...bytes));
      if (match) vote(Number(match[1]), Number(match[2]), Number(match[3]), undefined, 1);
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
    }
  }
  const ranked = [...votes.values()].sort((a, b) => b.count - a.count);
  const best = ranked[0];
  if (best === undefined) return undefined;
  const text = `${best.major}.${best.minor}.${best.micro}`;
  if (ranked.length > 1) {
    warnings.push(
      `no file of the process names its Python version, and memory holds several (${ranked
        .slice(0, 4)
        .map((v) => `${v.major}.${v.minor}.${v.micro}`)
        .join(", ")}): taking ${text}`,
    );
  }
  return { major: best.major, minor: best.minor, micro: best.micro, hex: best.hex, text, from: best.hex === undefined ? "version string" : "debug offsets" };
}

/** Most version sightings recorded by {@link versionFromMemory}. */
const MAX_VERSION_SIGHTINGS = 4096;

/** Words that start "2.7" or "3.12." and the like (a version string, perhaps) or are the `xdebugpy` cookie. */
function scanVersions(chunk: Uint32Array, base: number, hits: number[]): void {
  const length = chunk.length;
  for (let i = 0; i < length; i += 2) {
    const lo = chunk[i]!;
    const low16 = lo & 0xffff;
    // "3." or "2.", then a digit, then a digit or ".".
    const third = (lo >>> 16) & 0xff;
    const fourth = lo >>> 24;
    const text = (low16 === 0x2e33 || low16 === 0x2e32) && third >= 0x30 && third <= 0x39 && (fourth === 0x2e || (fourth >= 0x30 && fourth <= 0x39));
    if (text || (lo === COOKIE_LO && chunk[i + 1] === COOKIE_HI)) {
      if (hits.length >= MAX_VERSION_SIGHTINGS) return;
      hits.push(base + i * 4);
    }
  }
}

/** Most interpreters followed along a `next` chain (the analysis itself reads up to 1 024 too). */
const MAX_CHAIN = 1024;

/**
 * The interpreters of the list that starts at `head` (NULL: none), in order, following `next`;
 * ends at NULL, a loop, unreadable memory or {@link MAX_CHAIN} interpreters.
 */
function interpreterChain(reader: Reader, head: bigint, nextOffset: number): bigint[] {
  const chain: bigint[] = [];
  const seen = new Set<bigint>();
  for (let interp = head; interp !== 0n && !seen.has(interp) && chain.length < MAX_CHAIN; ) {
    seen.add(interp);
    chain.push(interp);
    try {
      interp = reader.ptr(interp + BigInt(nextOffset), "next interpreter");
    } catch (error) {
      if (!(error instanceof WalkError)) throw error;
      break;
    }
  }
  return chain;
}

/** Addresses of the aligned words of `regions` whose value is one of `values` (a second, cheap pass). */
function wordsEqualTo(regions: readonly ScanRegion[], values: readonly bigint[]): bigint[] {
  const wanted = new Set(values.map((v) => Number(v)));
  const his = values.map((v) => Number(v >> 32n));
  // Most words fail the range test of their high half: the set is asked about few.
  const low = Math.min(...his);
  const high = Math.max(...his);
  const single = values.length === 1;
  const singleLo = single ? Number(values[0]! & 0xffffffffn) : -1;
  const found: bigint[] = [];
  for (const region of regions) {
    const start = Number(region.address);
    for (let offset = 0; offset < region.size; offset += CHUNK) {
      const length = Math.min(CHUNK, region.size - offset) & ~7;
      if (length === 0) break;
      const chunk = words(region.bytes(offset, length));
      for (let i = 0; i < chunk.length; i += 2) {
        const hi = chunk[i + 1]!;
        if (hi < low || hi > high) continue;
        const lo = chunk[i]!;
        // One value (the runtime's search): two comparisons; several: the set (doubles past 2^31 hash slowly).
        if (single ? lo === singleLo : wanted.has(hi * TWO_32 + lo)) {
          found.push(BigInt(start + offset + i * 4));
          if (found.length >= MAX_SCAN_CANDIDATES) return found;
        }
      }
    }
  }
  return found;
}

/**
 * Checks an interpreter-state candidate with the version's layout: its thread list links back
 * (each `tstate->interp` is it, each `prev` the one before, no loop), thread ids are set and some
 * are the core's threads, `sysdict` and `builtins` are dicts, `next` is NULL or readable.
 * @throws {WalkError} naming the first check that failed.
 */
function validateInterpreter(
  reader: Reader,
  layout: AnyPythonLayout,
  objects: ObjectReader | undefined,
  interp: bigint,
  core: { readonly pthreadOf: (ident: bigint) => number | null; readonly hasThreadPointers: boolean; readonly tids: ReadonlySet<number> },
): Candidate {
  const threads: bigint[] = [];
  const seen = new Set<bigint>();
  let matched = 0;
  let previous = 0n;
  let tstate = reader.ptr(interp + BigInt(layout.models.threadList.head), "thread list");
  if (tstate === 0n) throw new WalkError("no thread state", interp);
  while (tstate !== 0n && threads.length < MAX_VALIDATED_THREADS) {
    if (seen.has(tstate)) throw new WalkError(`its thread list loops back to ${hex(tstate)}`, tstate);
    seen.add(tstate);
    if (reader.ptr(tstate + BigInt(layout.PyThreadState.interp), "tstate->interp") !== interp) {
      throw new WalkError(`thread state ${hex(tstate)} belongs to another interpreter`, tstate);
    }
    if (layout.PyThreadState.prev !== undefined && reader.ptr(tstate + BigInt(layout.PyThreadState.prev), "tstate->prev") !== previous) {
      throw new WalkError(`thread state ${hex(tstate)} does not link back to ${previous === 0n ? "NULL" : hex(previous)}`, tstate);
    }
    const ident = reader.u64(tstate + BigInt(layout.PyThreadState.thread_id), "thread id");
    if (ident === 0n) throw new WalkError(`thread state ${hex(tstate)} has no thread id`, tstate);
    let native = -1;
    if (layout.PyThreadState.native_thread_id !== undefined) {
      native = Number(reader.i64(tstate + BigInt(layout.PyThreadState.native_thread_id), "native thread id"));
    }
    if (core.pthreadOf(ident) !== null || core.tids.has(native)) matched++;
    threads.push(tstate);
    previous = tstate;
    tstate = reader.ptr(tstate + BigInt(layout.PyThreadState.next), "tstate->next");
  }
  if (matched === 0 && (core.hasThreadPointers || layout.PyThreadState.native_thread_id !== undefined) && core.tids.size > 0) {
    throw new WalkError(`none of its ${threads.length} thread states is a thread of the core`, interp);
  }
  if (objects) {
    objects.expectType(reader.ptr(interp + BigInt(layout.PyInterpreterState.sysdict), "sysdict"), "dict", "sysdict");
    objects.expectType(reader.ptr(interp + BigInt(layout.PyInterpreterState.builtins), "builtins"), "dict", "builtins");
  }
  const next = reader.ptr(interp + BigInt(layout.PyInterpreterState.next), "next interpreter");
  if (next !== 0n) reader.bytes(next, 8, "next interpreter");
  return { interp, threads, matched, next, nextOffset: layout.PyInterpreterState.next };
}
