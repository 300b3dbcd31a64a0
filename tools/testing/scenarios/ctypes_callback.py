# summary: crash inside a ctypes CFUNCTYPE callback called by libc's qsort(): native frames (qsort, libffi) between Python frames
# min-python: 2.7
# expect: <module>, main, sort_numbers, compare, crash
import ctypes
import ctypes.util
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402

COMPARE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))


def compare(left, right):
    _truth.crash()
    return left[0] - right[0]


def sort_numbers():
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
    values = (ctypes.c_int * 4)(3, 1, 2, 0)
    callback = COMPARE(compare)
    libc.qsort(values, len(values), ctypes.sizeof(ctypes.c_int), callback)
    return list(values)


def main():
    sort_numbers()


if __name__ == "__main__":
    main()
