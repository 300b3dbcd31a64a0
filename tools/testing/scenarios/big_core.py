# summary: a core of more than 3 GiB (an untouched 3 GiB anonymous mapping, written as a hole): the interpreter's state lies past 2 GiB into the file
# min-python: 3.12
# max-python: 3.12
# expect: <module>, main, crash
import mmap
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402


def main():
    # One page touched, so the kernel dumps the whole mapping; the untouched pages are written as
    # a hole: the core is more than 3 GiB long but takes little disk.
    reserve = mmap.mmap(-1, 3 << 30, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    reserve[0] = 1
    _truth.crash()
    return reserve


if __name__ == "__main__":
    main()
