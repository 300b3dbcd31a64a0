# mode: hang
# summary: records the truth, prints READY, then sleeps forever in _truth.hang() (time.sleep) while a second thread waits on an Event: for gdb's gcore and live-process tests
# min-python: 2.7
# expect: <module>, main, wait_here, hang
# expect-threads: 2
# expect-anywhere: waiter
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402


def waiter(event):
    _truth.ready()
    event.wait()


def wait_here():
    _truth.hang()


def main():
    event = threading.Event()
    _truth.start_thread(waiter, "idle-waiter", (event,))
    wait_here()


if __name__ == "__main__":
    main()
