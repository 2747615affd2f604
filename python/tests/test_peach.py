"""freshet.peach on worker processes: q's `func peach 1 2 3` walk-through, init, share, errors
with the remote traceback, and re-running the items of a killed worker."""

import os
import signal
import sys
import textwrap

import numpy as np
import pytest

import freshet


@pytest.fixture(autouse=True)
def fresh_pool():
    freshet.stop()
    yield
    freshet.stop()


def test_walk_through_fails_before_init_and_runs_on_workers_after(tmp_path, monkeypatch):
    (tmp_path / "multip.py").write_text(textwrap.dedent("""
        import os

        def func(x):
            return [x, x * x, x * x * x, os.getpid()]
    """))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    import multip

    pids = freshet.start(2)
    assert len(pids) == 2 and os.getpid() not in pids
    with pytest.raises(freshet.WorkerError, match=r"'multip\.func'.*freshet\.init\('multip\.py'\)"):
        freshet.peach(multip.func, [1, 2, 3])
    freshet.init("multip.py")
    out = freshet.peach(multip.func, [1, 2, 3])
    assert [r[:3] for r in out] == [[1, 1, 1], [2, 4, 8], [3, 9, 27]]
    assert {r[3] for r in out} <= set(pids)
    # Later workers get the init too.
    pids = freshet.start(3)
    assert [r[:3] for r in freshet.peach(multip.func, [4, 5, 6])] == \
        [[4, 16, 64], [5, 25, 125], [6, 36, 216]]
    del sys.modules["multip"]


def test_init_by_module_name(tmp_path, monkeypatch):
    (tmp_path / "helper_mod.py").write_text("def twice(x):\n    return 2 * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import helper_mod

    freshet.start(2)
    with pytest.raises(freshet.WorkerError, match="helper_mod.twice"):
        freshet.peach(helper_mod.twice, [1])
    freshet.init("helper_mod")
    assert freshet.peach(helper_mod.twice, range(10)) == [2 * i for i in range(10)]
    del sys.modules["helper_mod"]


def test_lambdas_and_closures_in_item_order_on_several_workers():
    offset = 7
    out = freshet.peach(lambda x: (x + offset, os.getpid()), range(1000), workers=3)
    assert [v for v, _ in out] == [x + 7 for x in range(1000)]
    assert len({pid for _, pid in out}) == 3  # chunks went to every worker
    assert freshet.peach(abs, [-1, -2], workers=0) == [1, 2]  # 0: here, no processes
    assert freshet.peach(lambda x: x, [], workers=2) == []


def test_cpu_bound_python_runs_in_separate_processes_past_the_gil():
    def spin(n):
        s = 0
        for i in range(n):
            s += i * i
        return s, os.getpid()

    out = freshet.peach(spin, [20000] * 8, workers=2)
    assert [s for s, _ in out] == [sum(i * i for i in range(20000))] * 8
    assert len({pid for _, pid in out}) == 2 and os.getpid() not in {pid for _, pid in out}


def test_share_maps_a_read_only_view_in_every_worker():
    freshet.start(2)
    big = np.arange(1_000_000, dtype=np.float64)
    freshet.share("big", big)

    def probe(i):
        a = freshet.shared("big")
        try:
            a[0] = 1.0
            writable = True
        except ValueError:
            writable = False
        return float(a[i]), a.shape, writable, a.flags.owndata

    out = freshet.peach(probe, [0, 10, 999_999])
    assert [o[0] for o in out] == [0.0, 10.0, 999_999.0]
    assert all(o[1] == (1_000_000,) and not o[2] and not o[3] for o in out)
    # Later workers map it too; re-sharing replaces it.
    freshet.start(3)
    freshet.share("big", big[:10] * 2)
    assert freshet.peach(lambda i: float(freshet.shared("big")[i]), [9, 1]) == [18.0, 2.0]
    assert freshet.shared("big")[3] == 6.0  # the caller reads the same data
    with pytest.raises(freshet.WorkerError, match="no shared array named 'nope'"):
        freshet.peach(lambda i: freshet.shared("nope"), [0])


def test_exception_names_item_and_worker_with_remote_traceback():
    def f(x):
        if x == 13:
            raise KeyError("unlucky %d" % x)
        return x

    with pytest.raises(freshet.WorkerError) as info:
        freshet.peach(f, range(40), workers=2)
    e = info.value
    assert e.index == 13 and "item 13 (13)" in str(e) and "pid %d" % e.pid in str(e)
    assert "KeyError: 'unlucky 13'" in str(e) and 'raise KeyError("unlucky %d" % x)' in str(e)
    assert isinstance(e.__cause__, KeyError)
    # The pool survives a failed call.
    assert freshet.peach(f, [1, 2], workers=2) == [1, 2]


def test_a_killed_workers_items_re_run(tmp_path):
    marker = str(tmp_path / "killed")

    def f(x):
        if x == 5 and not os.path.exists(marker):
            open(marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
        return x * 10

    pids_before = set(freshet.start(2))
    assert freshet.peach(f, range(20), chunksize=3) == [x * 10 for x in range(20)]
    assert os.path.exists(marker)
    assert set(freshet.start(2)) != pids_before  # the killed worker was replaced

    def always(x):
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(freshet.WorkerError, match=r"items 0\.\.0 killed 3 workers.*signal 9"):
        freshet.peach(always, [1], workers=2)
    assert freshet.peach(lambda x: x + 1, [1, 2, 3]) == [2, 3, 4]


def test_an_interrupted_call_leaves_the_pool_usable():
    import time

    def slow(x):
        time.sleep(2)
        return x

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    freshet.start(2)
    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with pytest.raises(KeyboardInterrupt):
            freshet.peach(slow, range(4))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    # The busy workers were replaced: no stale reply answers the next call.
    assert freshet.peach(lambda x: -x, range(6)) == [0, -1, -2, -3, -4, -5]
