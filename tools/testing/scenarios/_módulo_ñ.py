# -*- coding: utf-8 -*-
# Imported by unicode.py (Python 3): a module whose file name is not ASCII. Not a scenario.


def 𠮷_función(callback, texto):
    longitud = len(texto)
    return callback() or longitud
