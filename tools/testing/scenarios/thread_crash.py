# summary: a worker thread crashes inside an except block while the main thread waits for it in join(), itself inside an except block; a second worker waits inside a with-statement
# min-python: 2.7
# expect: _thread_main, worker, handle, crash
# expect-threads: 3
# expect-anywhere: main, join, waiter
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402


def handle(table):
    try:
        return table["missing"]
    except KeyError:
        _truth.ready()
        _truth.crash()


def worker(limit):
    table = {"present": limit}
    handle(table)


def waiter(event):
    lock = threading.Lock()
    with lock:
        _truth.ready()
        event.wait()


def main():
    event = threading.Event()
    _truth.start_thread(waiter, "waiter", (event,))
    try:
        raise ValueError("main waits")
    except ValueError:
        crasher = _truth.start_thread(worker, "crasher", (3,))
        crasher.join()


if __name__ == "__main__":
    main()
