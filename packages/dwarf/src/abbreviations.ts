import type { ByteSource } from "./byte_source.js";
import { DW_FORM_implicit_const, tagName } from "./dwarf_constants.js";
import { hex } from "./dwarf_format_error.js";
import { DWARF_LIMITS, limitReached } from "./limits.js";
import { Reader, type Section, sectionOf } from "./_reader.js";

/** One attribute specification of an abbreviation: which attribute, in which form. */
export interface AbbreviationAttribute {
  /** A `DW_AT_*` constant. */
  readonly name: number;
  /** A `DW_FORM_*` constant. */
  readonly form: number;
  /** The value stored in the abbreviation itself, for `DW_FORM_implicit_const` only. */
  readonly implicitConst?: bigint;
}

/** One abbreviation declaration of `.debug_abbrev`: the shape shared by many entries. */
export interface Abbreviation {
  /** The code entries use to name it (never 0). */
  readonly code: number;
  /** A `DW_TAG_*` constant. */
  readonly tag: number;
  /** Whether entries of this shape are followed by children (`DW_CHILDREN_yes`). */
  readonly hasChildren: boolean;
  /** Attribute specifications, in the order their values follow an entry's code. */
  readonly attributes: readonly AbbreviationAttribute[];
  /** Offset of the declaration in `.debug_abbrev`. */
  readonly offset: number;
  /** The attributes' names, for fast scans. @internal */
  readonly names: Uint32Array;
  /** The attributes' forms, for fast scans. @internal */
  readonly forms: Uint32Array;
}

/**
 * The abbreviation declarations that start at one offset of `.debug_abbrev` (the table a unit
 * names in its header). Parsed eagerly up to the terminating 0 code; each declaration holds at
 * most {@link DWARF_LIMITS.abbreviationAttributes} attributes.
 *
 * @example
 * ```ts
 * const table = readAbbreviations(abbrevSource, 0);
 * table.get(1)?.tag; // DW_TAG_compile_unit
 * ```
 */
export class AbbreviationTable {
  /** Offset of the table in `.debug_abbrev`. */
  readonly offset: number;
  readonly #dense: (Abbreviation | undefined)[] = [];
  readonly #sparse = new Map<number, Abbreviation>();
  #count = 0;

  /**
   * Parses the table at `offset`. Prefer {@link readAbbreviations} outside this package.
   * @param onDeclaration called with the offset of each declaration before it is read.
   * @internal
   */
  constructor(section: Section, offset: number, onDeclaration?: (at: number) => void) {
    this.offset = offset;
    const reader: Reader = new Reader(section);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= section.bytes.length) {
      reader.fail(`Abbreviation table offset ${hex(offset)} is outside the section`, "bad-value", 0);
    }
    reader.position = offset;
    for (;;) {
      const at = reader.position;
      const code = reader.ulebNumber("An abbreviation code");
      if (code === 0) break;
      onDeclaration?.(at);
      const tag = reader.ulebNumber("An abbreviation tag");
      const children = reader.u8();
      if (children > 1) reader.fail(`Abbreviation ${code} has DW_CHILDREN value ${children}`, "bad-value", reader.position - 1);
      const attributes: AbbreviationAttribute[] = [];
      for (;;) {
        const name = reader.ulebNumber("An attribute name");
        const form = reader.ulebNumber("An attribute form");
        if (name === 0 && form === 0) break;
        if (name === 0 || form === 0) reader.fail(`Abbreviation ${code} has attribute ${hex(name)} in form ${hex(form)}`, "bad-value");
        if (name > 0xffff_ffff || form > 0xffff_ffff) reader.fail(`Abbreviation ${code} has an attribute or form above 32 bits`, "bad-value");
        if (attributes.length >= DWARF_LIMITS.abbreviationAttributes) {
          limitReached("abbreviationAttributes", `Abbreviation ${code} (${tagName(tag)}) with more attributes`, { section: section.name, offset: at });
        }
        attributes.push(form === DW_FORM_implicit_const ? { name, form, implicitConst: reader.sleb() } : { name, form });
      }
      const abbreviation: Abbreviation = {
        code,
        tag,
        hasChildren: children === 1,
        attributes,
        offset: at,
        names: Uint32Array.from(attributes, (attribute) => attribute.name),
        forms: Uint32Array.from(attributes, (attribute) => attribute.form),
      };
      if (this.get(code) !== undefined) reader.fail(`Abbreviation code ${code} is declared twice in the table at ${hex(offset)}`, "bad-value", at);
      // Codes are usually 1..n: keep those in an array, others in a map.
      if (code < 4 * this.#count + 1024) this.#dense[code] = abbreviation;
      else this.#sparse.set(code, abbreviation);
      this.#count++;
    }
  }

  /** How many declarations the table holds. */
  get size(): number {
    return this.#count;
  }

  /**
   * The declaration with a code.
   * @param code an entry's abbreviation code.
   * @returns the declaration, or undefined when the table has none with that code.
   */
  get(code: number): Abbreviation | undefined {
    return this.#dense[code] ?? this.#sparse.get(code);
  }

  /** Every declaration, in code order for small codes. */
  *[Symbol.iterator](): IterableIterator<Abbreviation> {
    for (const abbreviation of this.#dense) if (abbreviation !== undefined) yield abbreviation;
    yield* this.#sparse.values();
  }
}

/**
 * Reads the abbreviation table at an offset of `.debug_abbrev`.
 *
 * @param source the `.debug_abbrev` section's bytes.
 * @param offset where the table starts (a unit header's `debug_abbrev_offset`).
 * @returns the parsed table.
 * @throws {DwarfFormatError} when the table is malformed or an abbreviation has more than
 *   {@link DWARF_LIMITS.abbreviationAttributes} attributes (`"limit"`).
 * @example
 * ```ts
 * const table = readAbbreviations(bufferSource(abbrevBytes), 0);
 * for (const abbreviation of table) console.log(abbreviation.code, tagName(abbreviation.tag));
 * ```
 */
export function readAbbreviations(source: ByteSource, offset: number): AbbreviationTable {
  // Abbreviations hold only LEB128 values and bytes: byte order does not matter.
  return new AbbreviationTable(sectionOf(".debug_abbrev", source, true), offset);
}
