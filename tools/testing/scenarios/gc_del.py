# summary: crash from a __del__ that the garbage collector runs while it breaks a reference cycle (GC state)
# min-python: 2.7
# expect: <module>, main, collect_now, __del__, crash
import gc
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402


class Node(object):
    pass


class Finalized(object):
    # Outside the cycle (2.7 leaves cycles whose members have __del__ uncollected): freed when
    # the collector clears the cycle that holds it.
    def __del__(self):
        _truth.crash(collecting=True)


def collect_now():
    gc.collect()


def main():
    gc.disable()
    first = Node()
    second = Node()
    first.other = second
    second.other = first
    first.finalized = Finalized()
    del first, second
    collect_now()


if __name__ == "__main__":
    main()
