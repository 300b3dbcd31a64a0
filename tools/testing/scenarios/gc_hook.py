# summary: crash from a gc.callbacks hook when a collection starts (GC state)
# min-python: 3.6
# expect: <module>, main, collect_now, on_gc, crash
import gc
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402


def on_gc(phase, info):
    if phase == "start":
        _truth.crash(collecting=True)


def collect_now(generation):
    gc.collect(generation)


def main():
    gc.disable()
    gc.callbacks.append(on_gc)
    collect_now(2)


if __name__ == "__main__":
    main()
