# summary: crash inside an `except` block, inside a `with` block, in a function called from another `except` block
# min-python: 2.7
# expect: <module>, main, guarded, handle, crash
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402


class Resource(object):
    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        return False


def fail():
    raise ValueError("inner failure")


def handle():
    with Resource():
        try:
            fail()
        except ValueError:
            _truth.crash()


def guarded():
    try:
        raise KeyError("outer failure")
    except KeyError:
        handle()


def main():
    guarded()


if __name__ == "__main__":
    main()
