"""The worker side of freshet.peach: one process, one fresh interpreter, started by the pool as
`python -I -c ...` with stdin/stdout as its message pipes (see _peach.py for the protocol).

Runs requests in order: init (load code), share (map an array read-only), unshare, run (apply a
function to a chunk of items). Never exits on a task's exception: it is sent back with the
item's index and the formatted traceback. Exits when the pool closes its stdin (EOF), so a dead
pool never leaves workers behind.
"""

import io
import mmap
import os
import pickle
import struct
import sys
import traceback
import types

import numpy as np

SHARED = {}  # name -> read-only numpy view (freshet.shared reads it in a worker)
_MAPS = {}   # name -> mmap object backing the view
_FUNCS = {}  # function id -> callable (the last few peach calls)

_HEADER = struct.Struct("<Q")


def read_message(stream):
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(head)
    body = stream.read(size)
    if len(body) < size:
        return None
    return pickle.loads(body)


def write_message(stream, message):
    body = _dumps(message)
    stream.write(_HEADER.pack(len(body)))
    stream.write(body)
    stream.flush()


def _dumps(obj):
    try:
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        import cloudpickle
        return cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def load_code(kind, name, payload):
    """init: a source file executed as module `name`, or a module imported by name (with the
    caller's sys.path for the import only)."""
    if kind == "file":
        path, source = payload
        module = types.ModuleType(name)
        module.__file__ = path
        sys.modules[name] = module
        try:
            exec(compile(source, path, "exec"), module.__dict__)
        except BaseException:
            del sys.modules[name]
            raise
    else:
        import importlib
        saved = list(sys.path)
        sys.path[:] = list(payload) + [p for p in saved if p not in payload]
        try:
            importlib.import_module(name)
        finally:
            sys.path[:] = saved


def map_shared(name, shm_name, dtype, shape):
    fd = os.open("/dev/shm/" + shm_name, os.O_RDONLY)
    try:
        size = max(1, int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize)
        mm = mmap.mmap(fd, size, prot=mmap.PROT_READ)  # read-only: writes fault, never copy
    finally:
        os.close(fd)
    view = np.frombuffer(mm, dtype=dtype, count=int(np.prod(shape, dtype=np.int64)))
    SHARED[name] = view.reshape(shape)
    _MAPS[name] = mm


def main():
    # Messages use the real stdin/stdout; print() in user code goes to stderr instead.
    inp = os.fdopen(os.dup(0), "rb", buffering=1 << 16)
    out = os.fdopen(os.dup(1), "wb", buffering=1 << 16)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", buffering=0), write_through=True)
    import cloudpickle

    while True:
        msg = read_message(inp)
        if msg is None:
            return
        op = msg[0]
        if op in ("init", "share", "unshare"):
            try:
                if op == "init":
                    load_code(*msg[1:])
                elif op == "share":
                    map_shared(*msg[1:])
                else:
                    SHARED.pop(msg[1], None)
                    _MAPS.pop(msg[1], None)
                write_message(out, ("ack",))
            except BaseException as e:  # noqa: BLE001 - reported to the caller
                write_message(out, ("err", "%s: %s" % (type(e).__name__, e),
                                    traceback.format_exc()))
            continue
        # ("run", fid, func bytes or None, start, items bytes)
        _, fid, func_bytes, start, items_bytes = msg
        if func_bytes is not None:
            try:
                _FUNCS.clear()
                _FUNCS[fid] = cloudpickle.loads(func_bytes)
            except BaseException as e:  # noqa: BLE001
                write_message(out, ("funcerr", "%s: %s" % (type(e).__name__, e)))
                continue
        func = _FUNCS[fid]
        items = pickle.loads(items_bytes)
        results = []
        failure = None
        for k, item in enumerate(items):
            try:
                results.append(func(item))
            except BaseException as e:  # noqa: BLE001
                try:
                    exc = cloudpickle.dumps(e)
                except Exception:  # noqa: BLE001
                    exc = None
                failure = ("itemerr", start + k, "%s: %s" % (type(e).__name__, e),
                           traceback.format_exc(), exc)
                break
        if failure is not None:
            write_message(out, failure)
        else:
            try:
                write_message(out, ("ok", start, cloudpickle.dumps(results)))
            except BaseException as e:  # noqa: BLE001
                write_message(out, ("itemerr", start, "result not picklable: %s: %s" % (
                    type(e).__name__, e), traceback.format_exc(), None))
