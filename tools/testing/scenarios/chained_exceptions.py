# summary: the main thread crashes inside the except block of an exception raised from another (__cause__), itself raised while handling a third (__context__); one worker waits inside an except block of an implicitly chained exception, another of one raised `from None` (context suppressed)
# min-python: 3.6
# expect: <module>, main, handle, crash
# expect-threads: 3
# expect-anywhere: implicit, suppressed
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402


class ConfigError(Exception):
    pass


def implicit(event):
    try:
        try:
            {}["first"]
        except KeyError:
            raise RuntimeError("while handling the key error", 42)
    except RuntimeError:
        _truth.ready()
        event.wait()


def suppressed(event):
    try:
        try:
            int("not a number")
        except ValueError:
            raise LookupError("nothing to see") from None
    except LookupError:
        _truth.ready()
        event.wait()


def handle():
    try:
        try:
            try:
                raise OSError(2, "No such file")
            except OSError:
                raise KeyError("setting")
        except KeyError as error:
            raise ConfigError("bad config: \x1b[31mred\x1b[0m\nsecond line") from error
    except ConfigError:
        _truth.crash()


def main():
    import threading
    event = threading.Event()
    _truth.start_thread(implicit, "implicit", (event,))
    _truth.start_thread(suppressed, "suppressed", (event,))
    handle()


if __name__ == "__main__":
    main()
