# summary: one thread, a few nested plain functions with locals of common types
# min-python: 2.7
# expect: <module>, main, first, second, third, crash
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402


def main():
    first(3)


def first(count):
    values = [count, "text", None, 2.5, {"key": (1, 2)}]
    second(values)


def second(values):
    label = "second"
    third(len(values), label)


def third(size, label):
    _truth.crash()


if __name__ == "__main__":
    main()
