// Types for variants.mjs.
import type { Interpreter } from "./core_maker.d.mts";

/** A stripped copy of an interpreter with a shared libpython (strippedInterpreter()). */
export interface StrippedInterpreter {
  /** The copy, as makeCore() takes it (id "stripped-<original id>"). */
  readonly interpreter: Interpreter;
  /** The copy's bin/pythonX.Y, without .symtab. */
  readonly executable: string;
  /** The copy's libpython, without .symtab. */
  readonly libpython: string;
  /** Runs `action` (makeCore()) with LD_LIBRARY_PATH at the copy's lib/, so that the copy's libpython is the one loaded. */
  run<T>(action: () => T): T;
}

/** A copy of an interpreter that gives no path to its runtime (hiddenRuntimeInterpreter()). */
export interface HiddenRuntimeInterpreter {
  /** The copy, as makeCore() takes it (id "hidden-runtime-<original id>"). */
  readonly interpreter: Interpreter;
  /** The copy's bin/pythonX.Y: stripped, without section headers. */
  readonly executable: string;
  /** The copy's libpython (the same treatment), or null for an interpreter that links it statically. */
  readonly libpython: string | null;
  /** Runs `action` (makeCore()) with LD_LIBRARY_PATH at the copy's lib/ when it has a libpython. */
  run<T>(action: () => T): T;
}

/** A program that embeds CPython (embeddedInterpreter()). */
export interface EmbeddedProgram {
  /** The program, as makeCore() takes it (id "embedded-<original id>", "-stripped" when stripped). */
  readonly interpreter: Interpreter;
  /** The program: `host_app`, not `python`. */
  readonly program: string;
  /** "shared": links libpython.so; "static": holds the runtime itself. */
  readonly linkage: "shared" | "static";
  /** Every symbol table of the program was removed. */
  readonly stripped: boolean;
}

/** Whether an ELF file has a .symtab section. */
export declare function hasSymtab(file: string): boolean;
export declare function strippedInterpreter(interpreter: Interpreter): StrippedInterpreter;
export declare function hiddenRuntimeInterpreter(interpreter: Interpreter): HiddenRuntimeInterpreter;
export declare function dropSectionHeaders(file: string): void;
export declare function hasSectionHeaders(file: string): boolean;
export declare function embeddedInterpreter(interpreter: Interpreter, options?: { readonly strip?: boolean }): EmbeddedProgram;
