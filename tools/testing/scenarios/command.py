# run-as: command
# summary: a `python -c` program (this file's text is passed with -c, the scenario directory on PYTHONPATH): frames' file is "<string>"
# min-python: 2.7
# expect: <module>, command_function, inner_function, crash
import _truth


def inner_function():
    _truth.crash()


def command_function():
    inner_function()


command_function()
