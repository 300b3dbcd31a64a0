# Python 3 only (`yield from`), imported by generators.py. Not a scenario: its name starts with "_".


def outer_gen(inner):
    yield -1
    result = yield from inner
    return result
