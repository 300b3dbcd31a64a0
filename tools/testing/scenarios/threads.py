# summary: the main thread crashes while four threads are blocked in time.sleep, Lock.acquire, Event.wait and queue.get; three have custom names
# min-python: 2.7
# expect: <module>, main, crash_in_main, crash
# expect-threads: 5
# expect-anywhere: sleeper, lock_waiter, event_waiter, queue_getter
import os
import sys
import threading
import time

try:
    import queue
except ImportError:  # Python 2
    import Queue as queue

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402


def sleeper():
    _truth.ready()
    time.sleep(1000000)


def lock_waiter(lock):
    _truth.ready()
    lock.acquire()


def event_waiter(event):
    _truth.ready()
    event.wait()


def queue_getter(jobs):
    _truth.ready()
    jobs.get()


def crash_in_main():
    _truth.crash()


def main():
    lock = threading.Lock()
    lock.acquire()
    event = threading.Event()
    jobs = queue.Queue()
    _truth.start_thread(sleeper)  # default name
    _truth.start_thread(lock_waiter, "lock-waiter", (lock,))
    _truth.start_thread(event_waiter, "event-waiter", (event,))
    _truth.start_thread(queue_getter, "queue getter #4", (jobs,))
    crash_in_main()


if __name__ == "__main__":
    main()
