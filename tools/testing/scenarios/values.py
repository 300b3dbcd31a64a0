# summary: locals of every type corestack prints as repr() does, and their bounds: None, bools, small, big and huge ints, floats (inf, nan, -0.0, 1e16), strings of the three kinds, huge strings, control characters and ANSI escapes, bytes, tuples, lists, dicts (combined, split, many items, deleted entries), sets, frozensets, deep nesting, self-reference, objects of other types
# min-python: 2.7
# expect: <module>, main, scalars, texts, containers, crash
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402

PY2 = sys.version_info[0] == 2


class Plain(object):
    def __init__(self):
        self.first = 1
        self.second = "two"


class Integer(int):
    pass


def containers(numbers, words, *rest, **options):
    empty_list = []
    empty_tuple = ()
    empty_dict = {}
    empty_set = set()
    empty_frozen = frozenset()
    single = (numbers[0],)
    pair = (1, "two")
    long_list = list(range(40))
    long_tuple = tuple(range(17))
    nested = [[[[[["too deep"]]]]]]
    mapping = {"one": 1, 2: "two", (3, 4): [5, 6], None: {"inner": {"deeper": {"deepest": {}}}}}
    big_dict = dict((i, i * i) for i in range(30))
    deleted = dict((i, i) for i in range(10))
    for i in range(0, 10, 2):
        del deleted[i]
    instance_dict = Plain().__dict__
    numbers_set = set([1, 2, 3])
    frozen = frozenset(["a"])
    big_set = set(range(100))
    loop = [1, 2]
    loop.append(loop)
    table = {"key": "value"}
    table["self"] = table
    plain = Plain()
    subclass = Integer(7)
    function = containers
    kind = Plain
    _truth.crash()


def texts(count):
    ascii_text = "hello"
    quotes = "it's"
    both_quotes = "it's \"quoted\""
    backslash = "back\\slash"
    controls = "tab\tnew\nline\rreturn\x00nul\x07bell\x7fdel"
    ansi = "\x1b[31mred\x1b[0m\x1b]0;title\x07"
    huge = "x" * 100000
    long_words = "word " * 60
    raw_bytes = b"bytes\x00\xff\x80'"
    if PY2:
        latin = u"na\xefve"
        bmp = u"\u20ac \u95a2\u6570"
        astral = u"\U0001f600"
        surrogate = u"\udc80"
    else:
        latin = "na\xefve \xa0nbsp \xad"
        bmp = "\u20ac \u95a2\u6570 \u200bzero-width \u202eright-to-left"
        astral = "\U0001f600 \U00020bb7"
        surrogate = "lone\udc80"
    return containers([count, -count], ["a", "b"], 1, 2, flag=True)


def scalars():
    nothing = None
    yes = True
    no = False
    small = 42
    negative = -7
    big = 2 ** 100
    near_limit = 2 ** 4000
    huge = 3 ** 3000
    enormous = 7 ** 5000
    negative_big = -(2 ** 64)
    real = 2.5
    tiny = 1e-05
    large = 1e16
    exact = 1e15
    infinite = float("inf")
    minus_infinite = float("-inf")
    not_a_number = float("nan")
    minus_zero = -0.0
    third = 1.0 / 3
    dots = Ellipsis
    unimplemented = NotImplemented
    return texts(small)


def main():
    scalars()


if __name__ == "__main__":
    main()
