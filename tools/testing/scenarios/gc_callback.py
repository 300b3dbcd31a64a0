# summary: crash from a weakref callback that the garbage collector runs while collecting a cycle (GC state)
# min-python: 2.7
# expect: <module>, main, collect_now, on_collected, crash
import gc
import os
import sys
import weakref

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402


class Node(object):
    pass


def on_collected(reference):
    _truth.crash(collecting=True)


def collect_now():
    gc.collect()


def main():
    gc.disable()
    first = Node()
    second = Node()
    first.other = second
    second.other = first
    keep = weakref.ref(first, on_collected)
    del first, second
    collect_now()
    return keep


if __name__ == "__main__":
    main()
