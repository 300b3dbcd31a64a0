# summary: two subinterpreters, each entered by a worker thread that sleeps there, while the main thread crashes; each worker has a thread state in the main interpreter too (suspended in the call that entered the subinterpreter)
# min-python: 3.12
# expect: <module>, main, crash
# expect-threads: 5
# expect-anywhere: enter, block_in_subinterpreter
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _truth  # noqa: E402

try:
    import _interpreters as interpreters  # 3.13+
except ImportError:
    import _xxsubinterpreters as interpreters  # 3.12

CODE = """
import sys
sys.path.insert(0, {directory!r})
import _truth
_truth.block_in_subinterpreter({path!r}, {interpreter})
"""


def enter(path):
    # Created by the thread that runs it: 3.12's run_string() runs the subinterpreter's first
    # thread state, bound to the thread that created the interpreter (its native_thread_id).
    interpreter = interpreters.create()
    code = CODE.format(directory=os.path.dirname(os.path.abspath(__file__)), path=path, interpreter=int(interpreter))
    _truth.ready()
    interpreters.run_string(interpreter, code)


def main():
    directory = tempfile.mkdtemp(prefix="corestack-subinterpreters-")
    for index in range(2):
        path = os.path.join(directory, "thread-%d.json" % index)
        _truth.expect_subinterpreter(path)
        _truth.start_thread(enter, "enters-%d" % index, (path,))
    _truth.crash()


if __name__ == "__main__":
    main()
