# summary: calls through a method, a nested class, a staticmethod, a classmethod, a decorator's wrapper, a closure, a lambda and a list comprehension (inlined from 3.12: no <listcomp> frame)
# min-python: 2.7
# expect: <module>, main, method, deep, static_step, class_step, wrapper, decorated_step, closure, <lambda>, crash
import functools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402


def decorator(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return function(*args, **kwargs)
    return wrapper


class Outer(object):
    def method(self):
        return Outer.Inner().deep()

    class Inner(object):
        def deep(self):
            return Outer.static_step()

    @staticmethod
    def static_step():
        return Outer.class_step()

    @classmethod
    def class_step(cls):
        return decorated_step(cls.__name__)


@decorator
def decorated_step(name):
    def closure():
        crash_now = lambda: [_truth.crash() for _ in (name,)]  # noqa: E731
        return crash_now()
    return closure()


def main():
    Outer().method()


if __name__ == "__main__":
    main()
