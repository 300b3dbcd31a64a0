# summary: names a terminal must not see raw: a function and a file name holding ANSI escape sequences, BEL, CR/LF that would forge a frame line, DEL, C1 controls (CSI, NEL), U+2028 and a lone surrogate; and a file name that is a device (/dev/zero)
# min-python: 3.8
# expect: <module>, main, crash
import os
import sys
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402

# co_name of the function that crashes: colours the rest of a terminal red, rings the bell, and
# forges a frame line after a newline if printed raw.
EVIL_FUNCTION = 'evil\x1b[31mred\x1b[0m\x07bell\r\n    (Python) File "/etc/passwd", line 1, in forged\x7fdel\x9b2J\x85nel\u2028ls'
# co_filename of one function: sets the terminal title, clears the screen, and holds a NUL.
EVIL_FILE = "<evil\x1b]0;pwned\x07\x1b[2J\ttab\x00nul>"
# co_filename naming a device: a reader of source lines must not read it (it never ends).
DEVICE_FILE = "/dev/zero"
# A lone surrogate (valid in a Python str, not in UTF-8 or UTF-16 text).
SURROGATE_FUNCTION = "lone\udc80surrogate"


def renamed(code, name):
    """code with co_name (and co_qualname on 3.11+) set to name."""
    if hasattr(code, "co_qualname"):
        return code.replace(co_name=name, co_qualname=name)
    return code.replace(co_name=name)


def in_evil_file(then):
    then()


def crashes():
    _truth.crash()


def calls_evil(then):
    then()


def main():
    in_file = types.FunctionType(in_evil_file.__code__.replace(co_filename=EVIL_FILE), globals(), "in_evil_file")
    evil = types.FunctionType(renamed(crashes.__code__, EVIL_FUNCTION), globals(), EVIL_FUNCTION)
    surrogate = types.FunctionType(renamed(calls_evil.__code__, SURROGATE_FUNCTION), globals(), SURROGATE_FUNCTION)
    on_device = types.FunctionType(renamed(calls_evil.__code__, "on_device").replace(co_filename=DEVICE_FILE), globals(), "on_device")
    in_file(lambda: on_device(lambda: surrogate(evil)))


if __name__ == "__main__":
    main()
