# summary: the script copies itself to the working directory, re-executes the copy (os.execv: same pid), and the copy deletes its own file before crashing; frames name a file that no longer exists
# min-python: 2.7
# expect: <module>, main, doomed, crash
import os
import shutil
import sys

HERE = os.environ.get("CORESTACK_SCENARIO_DIR") or os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _truth  # noqa: E402


def doomed():
    _truth.crash()


def main():
    me = os.path.abspath(__file__)
    if sys.argv[1:] != ["--copy"]:
        copy = os.path.join(os.getcwd(), "deleted_script.py")
        if os.path.exists(copy) and os.path.samefile(copy, me):
            raise SystemExit("deleted_script.py: run it from another directory than its own")
        shutil.copyfile(me, copy)
        os.environ["CORESTACK_SCENARIO_DIR"] = HERE
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, copy, "--copy"])
    os.unlink(me)
    doomed()


if __name__ == "__main__":
    main()
