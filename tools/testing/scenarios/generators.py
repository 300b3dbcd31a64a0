# summary: crash inside a generator while it is iterated by a generator expression under sum(); on 3.x the outer generator delegates with `yield from` (in _yield_from.py), on 2.7 with a for loop
# min-python: 2.7
# expect: <module>, main, consume, <genexpr>, outer_gen, inner_gen, crash
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402

if sys.version_info[0] >= 3:
    from _yield_from import outer_gen
else:
    def outer_gen(inner):
        for value in inner:
            yield value


def inner_gen(limit):
    for value in range(limit):
        if value == 2:
            _truth.crash()
        yield value


def consume():
    return sum(value * 2 for value in outer_gen(inner_gen(5)))


def main():
    consume()


if __name__ == "__main__":
    main()
