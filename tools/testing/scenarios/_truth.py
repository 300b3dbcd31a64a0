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
#
# Format 2 adds, per thread, what the process knows of itself beyond its stacks: the exception it
# handles ("handling", recorded by the thread itself in ready()/crash()), GIL and GC state as the
# scenario declares them, the interpreter it runs in; and per frame its variables ("arguments",
# "locals": name -> safe_repr(value), the bounded repr corestack prints). Readers of format 1
# treat the missing keys as "not recorded".
import functools
import json
import os
import signal
import sys
import threading
import time

FORMAT = 2

_PY2 = sys.version_info[0] == 2
if _PY2:
    import __builtin__ as _builtins  # noqa: F401
else:
    import builtins as _builtins  # noqa: F401
_LONG = getattr(_builtins, "long", int)
_UNICODE = getattr(_builtins, "unicode", str)
_INT_TYPES = (int, _LONG)
# Python 2's str is bytes; 3's bytes.
_TEXT_TYPES = (str, _UNICODE) if _PY2 else (str, bytes)

# The bounds of a value's repr: corestack's REPR_LIMITS (packages/cpython/src/repr.ts).
REPR_DEPTH = 4
REPR_ITEMS = 16
REPR_CHARACTERS = 200
REPR_LENGTH = 1000
REPR_INT_BITS = 4096
# Exceptions followed along a __cause__/__context__ chain (MAX_EXCEPTION_CHAIN).
EXCEPTION_CHAIN = 16
_HEAPTYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE

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
_handling = {}  # ident -> the exception the thread handles (None: none), recorded by itself
_wants_gil = set()  # idents of threads that run Python code without pause (they wait for the GIL)
_subinterpreter_files = []  # where threads running in subinterpreters record themselves


def _tp_name(kind):
    """The type's tp_name, as corestack reads it from memory."""
    try:
        import ctypes
        # PyTypeObject: ob_refcnt, ob_type, ob_size, then tp_name (64-bit release builds).
        raw = ctypes.c_char_p.from_address(id(kind) + 24).value
        if raw is not None:
            return raw if _PY2 else raw.decode("utf-8", "replace")
    except Exception:  # no ctypes (a 3.12 subinterpreter refuses _ctypes)
        pass
    name = kind.__name__
    if kind.__flags__ & _HEAPTYPE:
        return name
    module = getattr(kind, "__module__", None)
    return name if module in (None, "builtins", "__builtin__") else module + "." + name


def safe_repr(value):
    """repr(value) bounded as corestack bounds it (see REPR_*); other objects as <TYPE object at 0x...>."""
    out = []
    _repr_into(value, 0, set(), out)
    text = "".join(out)
    if len(text) > REPR_LENGTH:
        text = text[:REPR_LENGTH] + "..."
    return text


def _repr_into(value, depth, active, out):
    kind = type(value)
    if value is None:
        out.append("None")
    elif value is Ellipsis:
        out.append("Ellipsis")
    elif value is NotImplemented:
        out.append("NotImplemented")
    elif kind is bool:
        out.append("True" if value else "False")
    elif kind in _INT_TYPES:
        bits = abs(value).bit_length()
        out.append("<%s of %d bits>" % (kind.__name__, bits) if bits > REPR_INT_BITS else repr(value))
    elif kind is float:
        out.append(repr(value))
    elif kind in _TEXT_TYPES:
        out.append(repr(value[:REPR_CHARACTERS]) + ("..." if len(value) > REPR_CHARACTERS else ""))
    elif kind in (tuple, list, dict, set, frozenset):
        _container_into(value, kind, depth, active, out)
    else:
        out.append("<%s object at 0x%x>" % (_tp_name(kind), id(value)))


def _container_into(value, kind, depth, active, out):
    import itertools
    name = kind.__name__
    if kind is tuple:
        before, after = "(", ")"
    elif kind is list:
        before, after = "[", "]"
    elif kind is dict:
        before, after = "{", "}"
    elif _PY2:
        before, after = name + "([", "])"
    elif kind is set:
        before, after = "{", "}"
    else:
        before, after = "frozenset({", "})"
    size = len(value)
    if size == 0:
        out.append(before + after if (kind in (tuple, list, dict) or _PY2) else name + "()")
        return
    if id(value) in active or depth >= REPR_DEPTH:
        out.append(before + "..." + after)
        return
    active.add(id(value))
    out.append(before)
    items = itertools.islice(value.items() if kind is dict else value, REPR_ITEMS)
    shown = 0
    for item in items:
        if shown > 0:
            out.append(", ")
        if kind is dict:
            _repr_into(item[0], depth + 1, active, out)
            out.append(": ")
            _repr_into(item[1], depth + 1, active, out)
        else:
            _repr_into(item, depth + 1, active, out)
        shown += 1
    if size > shown:
        out.append(", ..." if shown > 0 else "...")
    elif kind is tuple and size == 1:
        out.append(",")
    out.append(after)
    active.discard(id(value))


def _message(error):
    """str(error) as BaseException makes it from args (what corestack shows), and whether it is
    the text of a string (which corestack escapes like a name) rather than a repr."""
    args = getattr(error, "args", ())
    if type(args) is not tuple:
        return safe_repr(args), False
    if len(args) == 0:
        return "", False
    if len(args) > 1:
        return safe_repr(args), False
    arg = args[0]
    if type(error) is KeyError:
        return safe_repr(arg), False
    if type(arg) is str or (_PY2 and type(arg) is _UNICODE):
        return (arg.decode("utf-8", "replace") if _PY2 and type(arg) is str else arg), True
    return safe_repr(arg), False


def _exception_record(error, seen=None):
    """An exception and its __cause__ / __context__ chain, as corestack shows it; None for none."""
    if error is None:
        return None
    seen = seen if seen is not None else set()
    record = {"type": _tp_name(type(error))}
    if not isinstance(error, BaseException):
        record["message"] = safe_repr(error)
        return record
    record["message"], text = _message(error)
    if text:
        record["text"] = True
    seen.add(id(error))
    if _PY2 or len(seen) >= EXCEPTION_CHAIN:
        return record
    cause = error.__cause__
    if cause is not None and id(cause) not in seen:
        record["cause"] = _exception_record(cause, seen)
    elif not error.__suppress_context__:
        context = error.__context__
        if context is not None and id(context) not in seen:
            record["context"] = _exception_record(context, seen)
    return record


def _note_handling():
    """Records the exception the calling thread handles (sys.exc_info() is per thread)."""
    _handling[_get_ident()] = _exception_record(sys.exc_info()[1])


def wants_gil():
    """Called by a thread that will run Python code without pause: at the crash it waits for the GIL."""
    _wants_gil.add(_get_ident())


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
    _note_handling()
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
    for path in _subinterpreter_files:
        while not os.path.exists(path):
            if time.time() > deadline:
                return False
            time.sleep(_STABLE_INTERVAL)
    return True


def expect_subinterpreter(path):
    """The main interpreter's side of block_in_subinterpreter(): crash() waits for path, then adds its thread."""
    _subinterpreter_files.append(path)


def block_in_subinterpreter(path, interpreter):
    """Called in a subinterpreter: records this thread as it runs there into path (JSON), then sleeps.

    sys._current_frames() keys frames by thread ident, and the thread has a thread state in the
    main interpreter too (suspended in the call that runs the subinterpreter): the main
    interpreter's snapshot keeps that one. This is the other.
    """
    recorded = [False]
    while True:
        if _record_subinterpreter(recorded, path, interpreter, sys._getframe()): time.sleep(100000000)  # noqa: E701
        else: time.sleep(_STABLE_INTERVAL)  # noqa: E701


def _record_subinterpreter(recorded, path, interpreter, frame):
    if recorded[0]:
        return True
    recorded[0] = True  # before the snapshot: the core has it so
    _note_handling()
    frames = _stack(frame, variables=True)
    frames[-1]["column"] = _column_of(frame, "time.sleep(") if frames[-1]["column"] is not None else None
    ident = _get_ident()
    record = {
        "tid": gettid(),
        "ident": ident,
        "name": threading.current_thread().name,
        "main": False,
        "crashing": False,
        "interpreter": interpreter,
        "gil": "none",
        "gc": False,
        "handling": _handling.get(ident),
        "frames": frames,
    }
    partial = path + ".partial"
    handle = open(partial, "w")
    try:
        handle.write(json.dumps(record, indent=1, sort_keys=True))
    finally:
        handle.close()
    os.rename(partial, path)
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


def _variables(frame):
    """(arguments, locals) of a frame: name -> safe_repr(value), bound variables only."""
    code = frame.f_code
    varnames = list(code.co_varnames)
    names = varnames + [name for name in code.co_cellvars if name not in varnames] + list(code.co_freevars)
    count = code.co_argcount + getattr(code, "co_kwonlyargcount", 0)
    count += (1 if code.co_flags & 0x4 else 0) + (1 if code.co_flags & 0x8 else 0)  # *args, **kwargs
    # Variables of inlined comprehensions that CPython marks hidden (3.12: at module and class
    # level; 3.13+: everywhere) are left out by corestack, as 3.13's f_locals leaves them out; a
    # 3.12 function's are ordinary locals. (A module's or class body's f_locals is its namespace,
    # where they are not either.)
    values = frame.f_locals
    arguments = {}
    local = {}
    for index, name in enumerate(names):
        try:
            value = values[name]
        except KeyError:
            continue
        (arguments if index < count else local)[name] = safe_repr(value)
    return arguments, local


def _stack(frame, variables=False):
    frames = []
    while frame is not None:
        record = _frame_record(frame)
        if variables:
            record["arguments"], record["locals"] = _variables(frame)
        frames.append(record)
        frame = frame.f_back
    frames.reverse()  # outermost first, most recent call last
    return frames


def _snapshot(current_frames, end_column, variables=False, collecting=False, holding=True):
    names = {}
    for thread in threading.enumerate():
        names[thread.ident] = thread.name
        native = getattr(thread, "native_id", None)  # 3.8+
        if native is not None and _tids.get(thread.ident) is None:
            _tids[thread.ident] = native
    me = _get_ident()
    threads = []
    for ident, frame in current_frames.items():
        frames = _stack(frame, variables)
        if ident == me and frames:
            # The snapshot is taken while the call to _record() runs; the process ends with the
            # call on the same line, at the column of the ending expression (3.11+).
            if frames[-1]["column"] is not None:
                frames[-1]["column"] = end_column
        thread = {
            "tid": _tids.get(ident),
            "ident": ident,
            "name": names.get(ident),
            "main": ident == _MAIN_IDENT,
            "crashing": ident == me,
            "interpreter": 0,
            # The crashing thread holds the GIL (it ends the process from Python code); a thread
            # that declared wants_gil() waits for it; no other thread runs Python code.
            "gil": "held" if ident == me and holding else "waiting" if ident in _wants_gil else "none",
            "gc": collecting and ident == me,
            "frames": frames,
        }
        if ident in _handling:
            thread["handling"] = _handling[ident]
        threads.append(thread)
    if variables:
        for path in _subinterpreter_files:
            handle = open(path)
            try:
                threads.append(json.load(handle))
            finally:
                handle.close()
    threads.sort(key=lambda thread: (not thread["main"], thread["tid"] or 0, thread["interpreter"], thread["ident"]))
    return threads


def _shape(threads):
    return [(t["ident"], [(f["file"], f["function"], f["line"]) for f in t["frames"]])
            for t in threads]


class _Recorder(object):
    def __init__(self, mode, end_text, collecting=False):
        self.mode = mode
        self.end_text = end_text
        self.collecting = collecting
        self.ready = _wait_ready()
        self.previous = None
        self.tries = 0
        self.done = False

    def record(self, current_frames):
        """Returns True once the truth is written: the caller then ends the process."""
        if self.done:
            return True
        end_column = _column_of(sys._getframe(1), self.end_text)
        threads = _snapshot(current_frames, end_column)
        self.tries += 1
        stable = len(threads) == 1 or _shape(threads) == self.previous
        if not stable and self.tries < _STABLE_TRIES:
            self.previous = _shape(threads)
            return False
        # Variables once, of the snapshot found stable (reprs of every frame are not cheap).
        # hang() sleeps (without the GIL); crash() ends the process from a C call that keeps it.
        threads = _snapshot(current_frames, end_column, variables=True, collecting=self.collecting, holding=self.mode != "hang")
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


def crash(collecting=False):
    """Write the truth of every thread, then end the process on the same line (SIGABRT).

    collecting: the caller runs inside a garbage collection (a gc callback, a __del__ it calls).
    """
    _note_handling()
    recorder = _Recorder("stop" if _END_MODE == "stop" else "abort", "_END()", collecting)
    while True:
        if recorder.record(sys._current_frames()): _END()  # noqa: E701  (one line: see above)
        time.sleep(_STABLE_INTERVAL)


def hang():
    """Write the truth, print READY on stdout, then sleep forever on the same line.

    For gdb's gcore and live-process tests. Python 2's time.sleep() can return early when a
    signal interrupts it; it then sleeps again at the same line.
    """
    _allow_any_tracer()
    _note_handling()
    recorder = _Recorder("hang", "time.sleep(")
    while True:
        if recorder.record(sys._current_frames()): time.sleep(100000000)  # noqa: E701
        else: time.sleep(_STABLE_INTERVAL)  # noqa: E701
