# summary: a function that recursed 1000 frames deep, then crashes
# min-python: 2.7
# expect: <module>, main, recurse, recurse, recurse, crash
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402

DEPTH = 1000


def recurse(depth):
    if depth == 1:
        _truth.crash()
    recurse(depth - 1)


def main():
    sys.setrecursionlimit(DEPTH + 1000)
    recurse(DEPTH)


if __name__ == "__main__":
    main()
