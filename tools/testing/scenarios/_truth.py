# Ground truth for corestack's real-core tests. Runs unchanged on CPython 2.7 and 3.6+.
#
# A scenario imports this module, builds some Python stack, and calls crash() (or hang()). Those
# take a snapshot of every thread's Python stack with sys._current_frames(), write it as JSON
# (truth.json in the working directory, or the path in CORESTACK_TRUTH), then end the process on
# the SAME source line, so the truth's innermost frame of the calling thread (crash()/hang() at
# that line) is exactly what a reader of the core must find. Nothing is filtered out.
#
# Environment (set by tools/testing/core_maker.mjs; all optional):
#   CORESTACK_TRUTH  where to write the JSON (default: ./truth.json)
#   CORESTACK_END    how crash() ends the process: "abort" (default: os.abort(), SIGABRT, kernel
#                    core dump) or "stop" (SIGSTOP to itself, so gdb can gcore it)
#   CORESTACK_SCENARIO_DIR  this directory, for scenarios that run from a copy of themselves
import functools
import json
import os
import signal
import sys
import threading
import time

FORMAT = 1

_END_MODE = os.environ.get("CORESTACK_END", "abort")
_STABLE_INTERVAL = 0.05  # seconds between two snapshots
_STABLE_TRIES = 200  # give up waiting for a stable snapshot after ~10 s (truth says stable: false)
_READY_TIMEOUT = 10.0


def _gettid_ctypes():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    number = {"x86_64": 186, "amd64": 186, "aarch64": 178, "i686": 224, "i386": 224}
    machine = os.uname()[4].lower()
    if machine not in number:
        return None
    tid = libc.syscall(number[machine])
    return tid if tid > 0 else None


def gettid():
    """The calling thread's OS thread id (what NT_PRSTATUS holds), or None."""
    native = getattr(threading, "get_native_id", None)
    if native is not None:
        return native()
    try:
        return _gettid_ctypes()
    except Exception:
        pass
    try:  # Linux 3.17+: /proc/thread-self -> "PID/task/TID"
        return int(os.readlink("/proc/thread-self").split("/")[-1])
    except Exception:
        return None


def _get_ident():
    getter = getattr(threading, "get_ident", None)  # 3.3+
    if getter is None:
        import thread  # Python 2
        getter = thread.get_ident
    return getter()


_MAIN_IDENT = _get_ident()
_tids = {_MAIN_IDENT: gettid()}  # ident -> OS thread id, recorded by each thread itself
_state = threading.Condition(threading.Lock())
_started = [0]
_ready = [0]


def start_thread(target, name=None, args=()):
    """Start a daemon thread that records its OS thread id, then runs target(*args).

    target must call ready() just before it blocks, so crash() knows when to take its snapshot.
    The extra frame (_thread_main) is part of the stack, and of the truth.
    """
    thread = threading.Thread(target=_thread_main, name=name, args=(target, args))
    thread.daemon = True
    with _state:
        _started[0] += 1
    thread.start()
    return thread


def _thread_main(target, args):
    _tids[_get_ident()] = gettid()
    target(*args)


def ready():
    """Called by a worker thread right before it blocks."""
    with _state:
        _ready[0] += 1
        _state.notify_all()


def _wait_ready():
    deadline = time.time() + _READY_TIMEOUT
    with _state:
        while _ready[0] < _started[0]:
            left = deadline - time.time()
            if left <= 0:
                return False
            _state.wait(left)
    return True


def _frame_record(frame):
    code = frame.f_code
    record = {
        "file": code.co_filename,
        "function": code.co_name,
        "qualname": getattr(code, "co_qualname", None),  # in the code object from 3.11
        "line": frame.f_lineno,
        "first_line": code.co_firstlineno,
        "column": None,
    }
    positions = getattr(code, "co_positions", None)  # 3.11+: column of the current instruction
    if positions is not None and frame.f_lasti >= 0:
        for index, position in enumerate(positions()):
            if index == frame.f_lasti // 2:
                record["column"] = position[2]
                break
    return record


def _stack(frame):
    frames = []
    while frame is not None:
        frames.append(_frame_record(frame))
        frame = frame.f_back
    frames.reverse()  # outermost first, most recent call last
    return frames


def _snapshot(current_frames, end_column):
    names = {}
    for thread in threading.enumerate():
        names[thread.ident] = thread.name
        native = getattr(thread, "native_id", None)  # 3.8+
        if native is not None and _tids.get(thread.ident) is None:
            _tids[thread.ident] = native
    me = _get_ident()
    threads = []
    for ident, frame in current_frames.items():
        frames = _stack(frame)
        if ident == me and frames:
            # The snapshot is taken while the call to _record() runs; the process ends with the
            # call on the same line, at the column of the ending expression (3.11+).
            if frames[-1]["column"] is not None:
                frames[-1]["column"] = end_column
        threads.append({
            "tid": _tids.get(ident),
            "ident": ident,
            "name": names.get(ident),
            "main": ident == _MAIN_IDENT,
            "crashing": ident == me,
            "frames": frames,
        })
    threads.sort(key=lambda thread: (not thread["main"], thread["tid"] or 0, thread["ident"]))
    return threads


def _shape(threads):
    return [(t["ident"], [(f["file"], f["function"], f["line"]) for f in t["frames"]])
            for t in threads]


class _Recorder(object):
    def __init__(self, mode, end_text):
        self.mode = mode
        self.end_text = end_text
        self.ready = _wait_ready()
        self.previous = None
        self.tries = 0
        self.done = False

    def record(self, current_frames):
        """Returns True once the truth is written: the caller then ends the process."""
        if self.done:
            return True
        threads = _snapshot(current_frames, _column_of(sys._getframe(1), self.end_text))
        self.tries += 1
        stable = len(threads) == 1 or _shape(threads) == self.previous
        if not stable and self.tries < _STABLE_TRIES:
            self.previous = _shape(threads)
            return False
        _write_truth(threads, self.mode, stable and self.ready)
        self.done = True
        if self.mode == "hang":
            _announce("READY")
        elif self.mode == "stop":
            _allow_any_tracer()
        return True


def _column_of(frame, text):
    """0-based column of text on the frame's current line (3.11+ reports columns)."""
    if not hasattr(frame.f_code, "co_positions"):
        return None
    import linecache
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    column = line.find(text)
    return column if column >= 0 else None


def _write_truth(threads, mode, stable):
    argv0 = sys.argv[0] if sys.argv else ""
    truth = {
        "format": FORMAT,
        "scenario": os.environ.get("CORESTACK_SCENARIO") or os.path.splitext(os.path.basename(argv0))[0] or None,
        "python_version": "%d.%d.%d" % tuple(sys.version_info[:3]),
        "hexversion": sys.hexversion,
        "implementation": getattr(getattr(sys, "implementation", None), "name", "cpython"),
        "executable": sys.executable,
        "pid": os.getpid(),
        "argv": list(sys.argv),
        "end": mode,
        "stable": stable,
        "threads": threads,
    }
    path = os.environ.get("CORESTACK_TRUTH") or os.path.join(os.getcwd(), "truth.json")
    partial = path + ".partial"
    handle = open(partial, "w")
    try:
        handle.write(json.dumps(truth, indent=1, sort_keys=True))
        handle.write("\n")
    finally:
        handle.close()
    os.rename(partial, path)


def _announce(word):
    sys.stdout.write(word + "\n")
    sys.stdout.flush()


def _allow_any_tracer():
    # Yama ptrace_scope 1 lets only ancestors attach; gdb is not ours. PR_SET_PTRACER_ANY.
    try:
        import ctypes
        ctypes.CDLL(None).prctl(0x59616D61, ctypes.c_ulong(-1 & 0xFFFFFFFFFFFFFFFF), 0, 0, 0)
    except Exception:
        pass


if _END_MODE == "stop":
    _END = functools.partial(os.kill, os.getpid(), signal.SIGSTOP)  # C calls only: no extra frame
else:
    _END = os.abort


def crash():
    """Write the truth of every thread, then end the process on the same line (SIGABRT)."""
    recorder = _Recorder("stop" if _END_MODE == "stop" else "abort", "_END()")
    while True:
        if recorder.record(sys._current_frames()): _END()  # noqa: E701  (one line: see above)
        time.sleep(_STABLE_INTERVAL)


def hang():
    """Write the truth, print READY on stdout, then sleep forever on the same line.

    For gdb's gcore and live-process tests. Python 2's time.sleep() can return early when a
    signal interrupts it; it then sleeps again at the same line.
    """
    _allow_any_tracer()
    recorder = _Recorder("hang", "time.sleep(")
    while True:
        if recorder.record(sys._current_frames()): time.sleep(100000000)  # noqa: E701
        else: time.sleep(_STABLE_INTERVAL)  # noqa: E701
