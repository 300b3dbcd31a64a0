// The machine-facing side of each LineProgram, shared by line_program.ts and line_table.ts
// without becoming public API.

import type { MachineProgram } from "./_line_machine.js";

/** The {@link MachineProgram} of each LineProgram. @internal */
export const programCores: WeakMap<object, MachineProgram> = new WeakMap();
