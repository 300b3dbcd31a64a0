import { layouts, type PythonLayout } from "@corestack/cpython-layouts";
import { describe, expect, it } from "vitest";
import { Reader } from "./_reader.js";
import { TestObjects } from "./_test_objects.js";
import { MAX_EXCEPTION_CHAIN, readThreadExceptions } from "./_exceptions.js";
import { ObjectReader } from "./read_objects.js";
import { ReprReader } from "./repr.js";

const VERSIONS = Object.entries(layouts) as Array<[string, PythonLayout]>;

function setup(layout: PythonLayout) {
  const build = new TestObjects(layout);
  const reprs = new ReprReader(new ObjectReader(new Reader(build.memory), layout));
  const tstate = build.memory.alloc(layout.sizeof.PyThreadState);
  return { build, reprs, tstate };
}

/** Makes `exception` the one the thread state handles, under a stack item that handles none. */
function handle(build: TestObjects, tstate: bigint, exception: bigint): void {
  const L = build.layout;
  const model = L.models.handledException;
  if (model.kind === "thread_state") {
    build.memory.u64(tstate + BigInt(model.exc_value), exception);
    return;
  }
  const size = model.previous_item + 8;
  const below = build.memory.alloc(size);
  build.memory.u64(below + BigInt(model.exc_value), exception);
  // The top item: a generator running without an exception (None).
  const top = build.memory.alloc(size);
  build.memory.u64(top + BigInt(model.exc_value), build.none());
  build.memory.u64(top + BigInt(model.previous_item), below);
  build.memory.u64(tstate + BigInt(model.exc_info), top);
}

describe.each(VERSIONS)("readThreadExceptions() on %s", (version, layout) => {
  const python2 = version === "2.7";
  const name = (type: string) => (python2 ? `exceptions.${type}` : type);

  it("finds nothing in a thread state that holds no exception", () => {
    const { reprs, tstate } = setup(layout);
    expect(readThreadExceptions(reprs, tstate)).toEqual({});
  });

  it("reads the exception handled, below stack items that handle none, with its message", () => {
    const { build, reprs, tstate } = setup(layout);
    const error = build.exception("ValueError", [build.str("inner failure")]);
    handle(build, tstate, error);
    expect(readThreadExceptions(reprs, tstate)).toEqual({ handling: { type: name("ValueError"), message: "inner failure", address: error } });
  });

  it("makes the message as BaseException.__str__ does: none, one string, one other value, several, a KeyError's key", () => {
    const { build, reprs, tstate } = setup(layout);
    const cases: Array<[bigint, string]> = [
      [build.exception("RuntimeError", []), ""],
      [build.exception("RuntimeError", [build.int(42n)]), "42"],
      [build.exception("OSError", [build.int(2n), build.str("No such file")]), "(2, 'No such file')"],
      [build.exception("KeyError", [build.str("missing")]), "'missing'"],
      [build.exception("ValueError", [build.str("back\\slash")]), "back\\\\slash"],
    ];
    for (const [error, message] of cases) {
      handle(build, tstate, error);
      expect(readThreadExceptions(reprs, tstate).handling?.message).toBe(message);
    }
  });

  it.skipIf(python2)("follows __cause__, else __context__ unless suppressed, and stops at a loop", () => {
    const { build, reprs, tstate } = setup(layout);
    const first = build.exception("KeyError", [build.str("k")]);
    const middle = build.exception("OSError", [], { context: first });
    const last = build.exception("ValueError", [build.str("v")], { cause: middle, context: first });
    handle(build, tstate, last);
    expect(readThreadExceptions(reprs, tstate).handling).toEqual({
      type: "ValueError",
      message: "v",
      address: last,
      cause: { type: "OSError", message: "", address: middle, context: { type: "KeyError", message: "'k'", address: first } },
    });
    const suppressed = build.exception("LookupError", [], { context: first, suppress: true });
    handle(build, tstate, suppressed);
    expect(readThreadExceptions(reprs, tstate).handling).toEqual({ type: "LookupError", message: "", address: suppressed });
    // Two exceptions each the other's context: each once.
    const a = build.exception("TypeError", []);
    const b = build.exception("TypeError", [], { context: a });
    build.memory.u64(a + BigInt(layout.PyBaseExceptionObject.context!), b);
    handle(build, tstate, a);
    expect(readThreadExceptions(reprs, tstate).handling).toEqual({
      type: "TypeError",
      message: "",
      address: a,
      context: { type: "TypeError", message: "", address: b },
    });
  });

  it.skipIf(python2)(`follows a chain ${MAX_EXCEPTION_CHAIN} exceptions long at most`, () => {
    const { build, reprs, tstate } = setup(layout);
    let error = build.exception("Exception", []);
    for (let i = 0; i < 40; i++) error = build.exception("Exception", [], { cause: error });
    handle(build, tstate, error);
    let depth = 0;
    for (let link = readThreadExceptions(reprs, tstate).handling; link !== undefined; link = link.cause) depth += 1;
    expect(depth).toBe(MAX_EXCEPTION_CHAIN);
  });

  it.skipIf(layout.models.handledException.kind !== "stack_items")("follows stack items within the budget of all threads", () => {
    const { build, reprs, tstate } = setup(layout);
    handle(build, tstate, build.exception("ValueError", []));
    // Two items: the top one handles none, the one below the exception.
    expect(readThreadExceptions(reprs, tstate, { items: 2 }).handling?.type).toBe("ValueError");
    const budget = { items: 1 };
    expect(() => readThreadExceptions(reprs, tstate, budget)).toThrow(/the limit of exception stack items of all threads together \(\d+\) was reached at 0x/);
    expect(budget.items).toBe(0);
  });

  it("reads the exception raised and not caught yet, normalised or not", () => {
    const { build, reprs, tstate } = setup(layout);
    const error = build.exception("RuntimeError", [build.str("boom")]);
    const model = layout.models.raisedException;
    if (model.kind === "current_exception") {
      build.memory.u64(tstate + BigInt(model.current_exception), error);
      expect(readThreadExceptions(reprs, tstate)).toEqual({ raised: { type: "RuntimeError", message: "boom", address: error } });
      return;
    }
    const type = build.memory.read(error + BigInt(layout.PyObject.ob_type), 8);
    const typeAddress = new DataView(type.buffer, type.byteOffset, 8).getBigUint64(0, true);
    build.memory.u64(tstate + BigInt(model.curexc_type), typeAddress);
    build.memory.u64(tstate + BigInt(model.curexc_value), error);
    expect(readThreadExceptions(reprs, tstate)).toEqual({ raised: { type: name("RuntimeError"), message: "boom", address: error } });
    // PyErr_SetString before normalisation: the type, and a str value.
    const text = build.str("not normalised");
    build.memory.u64(tstate + BigInt(model.curexc_value), text);
    expect(readThreadExceptions(reprs, tstate).raised).toEqual({ type: name("RuntimeError"), message: "'not normalised'", address: text });
  });
});
