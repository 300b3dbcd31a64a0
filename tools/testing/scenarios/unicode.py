# -*- coding: utf-8 -*-
# min-python: 3.0
# summary: non-ASCII names: function and class names in Latin-1 (UCS1), CJK (UCS2) and a supplementary-plane ideograph (UCS4), and a module file with a non-ASCII name (_módulo_ñ.py)
# expect: <module>, main, naïve_función, método, 関数, 𠮷_función, crash
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402
import _módulo_ñ  # noqa: E402


class Ünïcödé:
    def método(self):
        return 関数("¡hola, señor! 日本語 𠮷")


def 関数(texto):
    return _módulo_ñ.𠮷_función(_truth.crash, texto)


def naïve_función():
    return Ünïcödé().método()


def main():
    naïve_función()


if __name__ == "__main__":
    main()
