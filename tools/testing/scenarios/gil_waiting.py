# summary: two threads run Python code without pause, so when the main thread crashes (holding the GIL) they wait for it; a third sleeps
# min-python: 2.7
# expect: <module>, main, crash
# expect-threads: 4
# expect-anywhere: spin, sleeper
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402


def spin():
    _truth.wants_gil()
    _truth.ready()
    while True: pass  # noqa: E701


def sleeper():
    _truth.ready()
    time.sleep(1000000)


def main():
    _truth.start_thread(spin, "spinner-1")
    _truth.start_thread(spin, "spinner-2")
    _truth.start_thread(sleeper, "sleeper")
    _truth.crash()


if __name__ == "__main__":
    main()
