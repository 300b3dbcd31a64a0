import type { CoreFile } from "@corestack/elf";
import { signalCodeName, signalName } from "./signals.js";

/** What the core says about the process, as printed in text and JSON. */
export interface CoreInfo {
  readonly state: string | null;
  readonly zombie: boolean | null;
  readonly niceness: number | null;
  readonly pid: number | null;
  readonly ppid: number | null;
  readonly sid: number | null;
  readonly uid: number | null;
  readonly gid: number | null;
  readonly pgrp: number | null;
  /** `pr_fname`: the executable's short name. */
  readonly executableName: string | null;
  /** `pr_psargs`: the start of the command line (80 bytes at most, as the kernel keeps it). */
  readonly arguments: string | null;
  /** The signal that ended the process, or null when the core was generated on demand. */
  readonly signal: {
    readonly number: number;
    readonly name: string;
    /** `si_code` (`NT_SIGINFO`), or null without that note. */
    readonly code: number | null;
    /** The fault address of SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, in hex. */
    readonly address: string | null;
    /** The name of `si_code` (`SEGV_MAPERR`, `SI_TKILL`), when known. */
    readonly codeName?: string | null;
    /** What `si_code` means (`address not mapped to object`), when known. */
    readonly codeMeaning?: string | null;
    /** The process that sent it (`si_pid`), for a signal sent by a process (`si_code` ≤ 0). */
    readonly senderPid?: number | null;
    /** The thread that received it: the core's first `NT_PRSTATUS` note, which the kernel writes first. */
    readonly tid?: number | null;
  } | null;
  readonly threadCount: number;
}

/**
 * Collects the process information of a core.
 * @param core the core.
 * @returns the fields pystack prints, null where the core lacks a note.
 * @example
 * ```ts
 * describeCore(core).signal?.name; // "SIGABRT"
 * ```
 */
export function describeCore(core: CoreFile): CoreInfo {
  const p = core.process;
  const signo = core.signal?.signo ?? core.threads[0]?.signal ?? 0;
  const fatal = signo !== 0 && signo !== 19; // SIGSTOP: gcore and friends
  return {
    state: p ? p.stateName : null,
    zombie: p ? p.zombie !== 0 : null,
    niceness: p ? p.nice : null,
    pid: p?.pid ?? core.threads[0]?.tid ?? null,
    ppid: p?.ppid ?? core.threads[0]?.ppid ?? null,
    sid: p?.sid ?? core.threads[0]?.sid ?? null,
    uid: p?.uid ?? null,
    gid: p?.gid ?? null,
    pgrp: p?.pgrp ?? core.threads[0]?.pgrp ?? null,
    executableName: p ? p.fname : null,
    arguments: p ? p.psargs : null,
    signal: fatal
      ? {
          number: signo,
          name: signalName(signo),
          code: core.signal?.code ?? null,
          address: core.signal?.address !== undefined ? `0x${core.signal.address.toString(16)}` : null,
          codeName: core.signal === undefined ? null : (signalCodeName(signo, core.signal.code)?.name ?? null),
          codeMeaning: core.signal === undefined ? null : (signalCodeName(signo, core.signal.code)?.meaning ?? null),
          senderPid: core.signal?.senderPid ?? null,
          tid: core.threads[0]?.tid ?? null,
        }
      : null,
    threadCount: core.threads.length,
  };
}
