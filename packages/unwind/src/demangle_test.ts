import { describe, expect, it } from "vitest";
import { Demangler, demangle, isMangled } from "./demangle.js";
import { withoutParameters } from "./symbolizer.js";

describe("demangle()", () => {
  it("demangles Itanium C++ as gdb prints it: parameters, no template return type, > > spacing", () => {
    expect(demangle("_ZN2ns3addIiEET_S1_S1_")).toBe("ns::add<int>(int, int)");
    expect(demangle("_ZN12_GLOBAL__N_14helpEi")).toBe("(anonymous namespace)::help(int)");
    expect(demangle("_ZN2ns4wrapISt6vectorIiSaIiEEEEvRKT_")).toBe(
      "ns::wrap<std::vector<int, std::allocator<int> > >(std::vector<int, std::allocator<int> > const&)",
    );
    expect(demangle("_ZZ4mainENKUlvE_clEv")).toBe("main::{lambda()#1}::operator()() const");
  });

  it("demangles Rust legacy (without the hash) and v0 names", () => {
    expect(demangle("_ZN8crashlib11crash_three17h0123456789abcdefE")).toBe("crashlib::crash_three");
    expect(demangle("_RNvCs1234_8crashlib11crash_three")).toBe("crashlib::crash_three");
  });

  it("returns other names unchanged, and mangled-looking garbage unchanged", () => {
    expect(demangle("PyObject_GetAttr")).toBe("PyObject_GetAttr");
    expect(demangle("_Zxxxx")).toBe("_Zxxxx");
    expect(isMangled("main")).toBe(false);
  });

  it("survives any string: never throws, returns a string", () => {
    const demangler = Demangler.load();
    for (let seed = 0; seed < 2000; seed++) {
      const length = seed % 60;
      let text = seed % 2 ? "_Z" : "_R";
      for (let index = 0; index < length; index++) text += String.fromCharCode(33 + ((seed * 7919 + index * 104729) % 90));
      expect(typeof demangler.demangle(text)).toBe("string");
    }
  });
});

describe("withoutParameters()", () => {
  it("drops the parameter list and the qualifiers after it, as gdb's bt does", () => {
    expect(withoutParameters("outer::inner::unwrap<long>(outer::inner::Box<long> const&, int)")).toBe("outer::inner::unwrap<long>");
    expect(withoutParameters("outer::inner::Box<long>::open(int) const")).toBe("outer::inner::Box<long>::open");
    expect(withoutParameters("main::{lambda()#1}::operator()() const")).toBe("main::{lambda()#1}::operator()");
    expect(withoutParameters("crashlib::crash_three")).toBe("crashlib::crash_three");
  });
});
