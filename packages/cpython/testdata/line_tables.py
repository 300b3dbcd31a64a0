# Prints, as JSON, the line table of several code objects and, per instruction offset, the line
# (and from 3.11 the columns) that the interpreter itself reports. Used by line_table_test.ts to
# check corestack's decoders against every installed interpreter. Runs on 2.7 and 3.6+.
import dis
import json
import sys


def simple(a, b):
    c = a + b
    return c * 2


def loops(n):
    total = 0
    for i in range(n):
        if i % 2:
            total += i
        else:
            total -= (
                i
                * 3
            )
    while total > 10:
        total //= 2
    return total


def far_lines():
    x = 1
    # many blank lines follow, to force line increments above 127 and 255



































































































































































































































































































    y = x + 1
    return y


def backwards(items):
    return [
        item * 2
        for item in items
        if item
    ]


def calls(f):
    return f(
        1,
        2,
    ) + f(3, 4)


def main():
    out = []
    codes = [simple.__code__, loops.__code__, far_lines.__code__, backwards.__code__, calls.__code__, main.__code__]
    for code in list(codes):
        for const in code.co_consts:
            if hasattr(const, "co_code"):
                codes.append(const)
    for code in codes:
        entry = {"name": code.co_name, "first_line": code.co_firstlineno}
        version = sys.version_info[:2]
        if version >= (3, 11):
            table = code.co_linetable
            positions = list(code.co_positions())
            entry["positions"] = [[-1 if value is None else value for value in (p[0], p[2], p[1], p[3])] for p in positions]
        elif version == (3, 10):
            table = code.co_linetable
            lines = {}
            for start, end, line in code.co_lines():
                for offset in range(start, end, 2):
                    lines[offset] = -1 if line is None else line
            entry["lines"] = [lines.get(o, -1) for o in range(0, len(code.co_code), 2)]
        else:
            table = code.co_lnotab
            starts = list(dis.findlinestarts(code))
            lines = []
            for offset in range(0, len(code.co_code)):
                line = code.co_firstlineno
                for start, start_line in starts:
                    if start <= offset:
                        line = start_line
                lines.append(line)
            entry["lines"] = lines
        entry["table"] = [b if isinstance(b, int) else ord(b) for b in bytearray(table)]
        out.append(entry)
    sys.stdout.write(json.dumps({"version": list(sys.version_info[:3]), "codes": out}))


main()
