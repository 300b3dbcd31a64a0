# summary: 100 threads, each blocked 500 Python frames deep in a recursion, while the main thread crashes: the big core of pnpm bench (50 000 frames)
# min-python: 3.12
# max-python: 3.12
# expect: <module>, main, crash
# expect-threads: 101
# expect-anywhere: deep
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402

THREADS = 100
DEPTH = 500


def deep(depth, event):
    if depth == 1:
        _truth.ready()
        event.wait()
        return
    deep(depth - 1, event)


def main():
    sys.setrecursionlimit(DEPTH + 1000)
    event = threading.Event()
    for index in range(THREADS):
        _truth.start_thread(deep, "deep-%d" % index, (DEPTH, event))
    _truth.crash()


if __name__ == "__main__":
    main()
