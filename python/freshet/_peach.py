"""freshet.peach: q's `peach` for Python callables, on worker processes.

Design. A pool holds N workers; each is a fresh interpreter (`python -I`, started with
subprocess: fork + exec, so the caller may have threads, and a worker never inherits the
caller's imported modules or state). Each worker talks to the caller over its stdin/stdout pipes
with length-prefixed pickles. peach() cuts the items into chunks (about 4 per worker), hands a
chunk to whichever worker is idle (one chunk in flight per worker, so neither side can block
the other on a full pipe), and puts results back in item order.

What a worker can run: a callable is shipped with cloudpickle once per peach call. Lambdas,
closures and functions of __main__ travel by value. A function of a module travels by reference
(module + name): the worker has it only if that module is importable there (installed packages)
or was loaded with freshet.init(path or module name), q's `.ml.mproc.init`. Workers do not see
the caller's script directory, current directory or PYTHONPATH, so calling a function of an
un-init'ed module of yours fails with a WorkerError naming it.

Shared arrays: freshet.share(name, array) copies the array once into a POSIX shared-memory
segment; every current and later worker maps it read-only and freshet.shared(name) returns a
numpy view of it (no copy, writes raise). In the caller freshet.shared(name) returns the same
data.

Failures: an exception in func comes back as WorkerError naming the item index, the item, the
worker and its pid, with the remote traceback (the original exception is chained when it can be
unpickled). A worker that dies (killed, crashed) is replaced, replayed its init code and shares,
and its unfinished chunk re-runs; a chunk that kills three workers is an error naming its items.
"""

import collections
import itertools
import os
import pickle
import select
import subprocess
import sys

import numpy as np

from . import _worker
from ._worker import read_message, write_message

_MAX_DEATHS = 3


class WorkerError(RuntimeError):
    """A peach task failed on a worker (or could not be run there)."""

    def __init__(self, message, index=None, worker=None, pid=None, remote_traceback=None):
        super().__init__(message)
        self.index, self.worker, self.pid = index, worker, pid
        self.remote_traceback = remote_traceback


def _package_parent():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _Worker:
    def __init__(self, slot):
        self.slot = slot
        # -I: no PYTHONPATH, no script directory, no current directory, no user site: only the
        # interpreter's own packages, plus the directory freshet itself was loaded from.
        boot = ("import sys; sys.path.insert(0, %r); import freshet._worker as w; w.main()"
                % _package_parent())
        self.proc = subprocess.Popen([sys.executable, "-I", "-c", boot], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, close_fds=True)
        self.pid = self.proc.pid
        self.func = None  # the peach call whose function this worker holds
        self.busy = None  # (start, items) of the chunk in flight

    def name(self):
        return "worker %d (pid %d)" % (self.slot, self.pid)

    def send(self, message):
        write_message(self.proc.stdin, message)

    def receive(self):
        return read_message(self.proc.stdout)

    def death(self):
        """How the process ended, for messages."""
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        return "killed by signal %d" % -code if code < 0 else "exited with status %d" % code

    def close(self):
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Pool:
    """N worker processes. Not thread-safe: one peach at a time per pool."""

    def __init__(self, workers):
        if workers < 1:
            raise ValueError("workers must be at least 1, got %d" % workers)
        self.workers = [None] * workers
        for slot in range(workers):
            self._start(slot)

    def _start(self, slot):
        w = _Worker(slot)
        self.workers[slot] = w
        try:
            for message in itertools.chain(_INITS, (("share",) + s.message() for s in
                                                    _SHARES.values())):
                self._request(w, message)
        except BaseException:
            w.close()
            raise
        return w

    def _request(self, w, message):
        """A message that expects an ack (init, share, unshare); raises WorkerError naming the
        worker if it fails or dies."""
        try:
            w.send(message)
            reply = w.receive()
        except (BrokenPipeError, OSError):
            reply = None
        if reply is None:
            raise WorkerError("%s %s during %s" % (w.name(), w.death(), message[0]),
                              worker=w.slot, pid=w.pid)
        if reply[0] == "err":
            raise WorkerError("%s: %s failed: %s" % (w.name(), message[0], reply[1]),
                              worker=w.slot, pid=w.pid, remote_traceback=reply[2])

    def broadcast(self, message):
        for w in self.workers:
            self._request(w, message)

    def close(self):
        for w in self.workers:
            if w is not None:
                w.close()
        self.workers = []

    def map(self, func, items, chunksize=None):
        import cloudpickle

        items = list(items)
        n = len(items)
        if n == 0:
            return []
        fid = object()
        func_bytes = cloudpickle.dumps(func)
        nw = len(self.workers)
        size = chunksize or max(1, -(-n // (4 * nw)))
        pending = collections.deque((s, items[s:s + size]) for s in range(0, n, size))
        deaths = collections.Counter()
        results = [None] * n
        try:
            return self._run(func_bytes, fid, pending, deaths, results, func, items)
        except BaseException:
            # Interrupted (e.g. KeyboardInterrupt) with chunks in flight: their replies would
            # be read by the next call, so replace the workers that were busy.
            for w in self.workers:
                if w.busy is not None:
                    w.proc.kill()
                    w.close()
                    self._start(w.slot)
            raise

    def _run(self, func_bytes, fid, pending, deaths, results, func, items):
        import cloudpickle

        failure = None  # (index, WorkerError)
        while True:
            if failure is None:
                for w in self.workers:
                    if w.busy is None and pending:
                        start, chunk = pending.popleft()
                        w.busy = (start, chunk)
                        body = cloudpickle.dumps(chunk)
                        try:
                            w.send(("run", id(fid), None if w.func is fid else func_bytes,
                                    start, body))
                            w.func = fid
                        except (BrokenPipeError, OSError):
                            pass  # seen as EOF below
            busy = [w for w in self.workers if w.busy is not None]
            if not busy:
                break
            ready, _, _ = select.select([w.proc.stdout for w in busy], [], [])
            for w in busy:
                if w.proc.stdout not in ready:
                    continue
                start, chunk = w.busy
                try:
                    reply = w.receive()
                except OSError:
                    reply = None
                w.busy = None
                if reply is None:
                    how = w.death()
                    deaths[start] += 1
                    last = start + len(chunk) - 1
                    w.close()
                    if deaths[start] >= _MAX_DEATHS:
                        failure = failure or (start, WorkerError(
                            "peach: items %d..%d killed %d workers (last: %s %s)" % (
                                start, last, deaths[start], w.name(), how),
                            index=start, worker=w.slot, pid=w.pid))
                    else:
                        pending.appendleft((start, chunk))
                    self._start(w.slot)
                    continue
                kind = reply[0]
                if kind == "ok":
                    results[start:start + len(chunk)] = pickle.loads(reply[2])
                elif kind == "funcerr":
                    w.func = None
                    err = WorkerError(
                        "peach: %s cannot load the function %s (%s); load its code on every "
                        "worker with freshet.init(%s)" % (
                            w.name(), _describe(func), reply[1], _init_hint(func)),
                        index=start, worker=w.slot, pid=w.pid)
                    if failure is None or start < failure[0]:
                        failure = (start, err)
                else:  # itemerr
                    _, index, text, tb, exc_bytes = reply
                    err = WorkerError(
                        "peach: item %d (%s) failed on %s: %s\n\nRemote traceback:\n%s" % (
                            index, _short(items[index]), w.name(), text, tb),
                        index=index, worker=w.slot, pid=w.pid, remote_traceback=tb)
                    if exc_bytes is not None:
                        try:
                            err.__cause__ = pickle.loads(exc_bytes)
                        except Exception:  # noqa: BLE001
                            pass
                    if failure is None or index < failure[0]:
                        failure = (index, err)
        if failure is not None:
            raise failure[1]
        return results


def _describe(func):
    module = getattr(func, "__module__", None)
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)
    return "'%s.%s'" % (module, name) if module else "'%s'" % name


def _init_hint(func):
    module = sys.modules.get(getattr(func, "__module__", None) or "")
    path = getattr(module, "__file__", None)
    if path:
        return repr(os.path.relpath(path) if not os.path.relpath(path).startswith("..") else path)
    return repr(getattr(func, "__module__", "module"))


def _short(item, limit=80):
    text = repr(item)
    return text if len(text) <= limit else text[:limit] + "..."


# What every current and later worker must have, in order: init code and shared arrays.
_INITS = []
_SHARES = {}
_POOL = None


class _Share:
    def __init__(self, name, array):
        from multiprocessing import shared_memory

        array = np.asarray(array)
        if array.dtype.hasobject:
            raise TypeError("share: '%s' holds Python objects; only plain numpy dtypes can be "
                            "shared" % name)
        self.segment = shared_memory.SharedMemory(create=True, size=max(1, array.nbytes))
        view = np.ndarray(array.shape, dtype=array.dtype, buffer=self.segment.buf)
        view[...] = array  # the one copy: into the segment every worker maps
        view.flags.writeable = False
        self.view = view
        self.dtype, self.shape = array.dtype.str, array.shape

    def message(self):
        return (self.name, self.segment.name, self.dtype, self.shape)

    def release(self):
        self.view = None
        try:
            self.segment.close()
        except BufferError:
            pass  # a caller still holds a view: the mapping goes when it does
        self.segment.unlink()


def start(workers=None):
    """Starts (or restarts with another size) the pool peach uses; returns its worker pids."""
    global _POOL
    workers = workers or os.cpu_count() or 1
    if _POOL is not None and len(_POOL.workers) != workers:
        stop(keep_state=True)
    if _POOL is None:
        _POOL = Pool(workers)
    return [w.pid for w in _POOL.workers]


def stop(keep_state=False):
    """Stops the workers. Unless keep_state, also forgets init code and removes shares."""
    global _POOL
    if _POOL is not None:
        _POOL.close()
        _POOL = None
    if not keep_state:
        _INITS.clear()
        for s in list(_SHARES.values()):
            s.release()
        _SHARES.clear()


def peach(func, items, workers=None, chunksize=None):
    """[func(x) for x in items], on worker processes; results in item order.

    workers: None = the running pool (started with os.cpu_count() workers if none runs);
    0 = here, in this process (no pickling); N = a pool of N workers (restarted if it has
    another size). Raises WorkerError for the lowest-indexed item that failed."""
    if workers == 0:
        return [func(x) for x in items]
    start(workers if workers else (len(_POOL.workers) if _POOL else None))
    return _POOL.map(func, items, chunksize)


def init(code):
    """Loads code on every current and later worker (q's .ml.mproc.init): a path to a .py file
    (executed as the module named after the file, so functions pickled by reference to that
    module resolve) or a module name (imported with the caller's sys.path)."""
    if os.path.isfile(code) or code.endswith(".py"):
        path = os.path.abspath(code)
        with open(path) as f:
            source = f.read()
        name = os.path.splitext(os.path.basename(path))[0]
        message = ("init", "file", name, (path, source))
    else:
        message = ("init", "module", code, [os.path.abspath(p or ".") for p in sys.path])
    if _POOL is not None:
        _POOL.broadcast(message)
    _INITS.append(message)


def share(name, array):
    """Publishes `array` read-only to every current and later worker under `name`."""
    unshare(name)
    s = _Share(name, array)
    s.name = name
    _SHARES[name] = s
    if _POOL is not None:
        _POOL.broadcast(("share",) + s.message())
    return s.view


def unshare(name):
    s = _SHARES.pop(name, None)
    if s is None:
        return
    if _POOL is not None:
        _POOL.broadcast(("unshare", name))
    s.release()


def shared(name):
    """The read-only numpy view published under `name` (in a worker or in the caller)."""
    if name in _worker.SHARED:
        return _worker.SHARED[name]
    if name in _SHARES:
        return _SHARES[name].view
    raise KeyError("no shared array named %r (publish it with freshet.share)" % name)


import atexit  # noqa: E402

atexit.register(stop)
