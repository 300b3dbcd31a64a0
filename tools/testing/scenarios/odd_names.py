# summary: legal names that are hard to show: format characters (bidi controls U+202E/U+202C that make "gpj.exe" read "exe.jpg", U+FEFF, a zero-width joiner, a tag character), a backslash and a double quote that imitate an escape and the rest of a frame line, a 100 000-character function name and a 70 000-character file name in the middle of the stack, and a thread named with 100 002 characters
# min-python: 3.8
# expect: <module>, main, crash
# expect-threads: 2
import os
import sys
import threading
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402

# co_filename shown as "/tmp/exe.jpg" by a terminal that applies the bidi controls.
BIDI_FILE = "/tmp/\u202egpj.exe\u202c"
# co_name with a byte order mark, a zero-width joiner and a tag character (U+E0041, above U+FFFF).
FORMAT_FUNCTION = "bom\ufeffzwj\u200dtag\U000e0041end"
# co_name typing an escape and the end of a frame line literally: shown raw, it reads as
# `in a\x1b` + a forged `", line 1, in forged`.
LOOKALIKE_FUNCTION = 'a\\x1b", line 1, in forged'
# co_filename typing a lone-surrogate escape literally (not a surrogate: six characters).
LOOKALIKE_FILE = "/tmp/not\\udc80lone.py"
LONG_FUNCTION = "f" * 100000
LONG_FILE = "/tmp/" + "d" * 69995
LONG_THREAD = "t" * 100002


def renamed(code, name=None, filename=None):
    """code with co_name (and co_qualname on 3.11+) and/or co_filename replaced."""
    changes = {}
    if name is not None:
        changes["co_name"] = name
        if hasattr(code, "co_qualname"):
            changes["co_qualname"] = name
    if filename is not None:
        changes["co_filename"] = filename
    return code.replace(**changes)


def call(then):
    then()


def crashes():
    _truth.crash()


def waiter(event):
    _truth.ready()
    event.wait()


def main():
    event = threading.Event()
    _truth.start_thread(waiter, LONG_THREAD, (event,))

    long_function = types.FunctionType(renamed(call.__code__, LONG_FUNCTION), globals())
    long_file = types.FunctionType(renamed(call.__code__, None, LONG_FILE), globals())
    bidi = types.FunctionType(renamed(call.__code__, "bidi", BIDI_FILE), globals())
    formats = types.FunctionType(renamed(call.__code__, FORMAT_FUNCTION), globals())
    lookalike = types.FunctionType(renamed(call.__code__, LOOKALIKE_FUNCTION, LOOKALIKE_FILE), globals())
    long_function(lambda: long_file(lambda: bidi(lambda: formats(lambda: lookalike(crashes)))))


if __name__ == "__main__":
    main()
