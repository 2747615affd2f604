"""roll_time_series, make_forecasting_frame and extract_features(roll=...) against tsfresh.

The golden files are shared/reference/tsfresh_rolling (tsfresh 0.21.2's roll_time_series +
extract_features(EfficientFCParameters), compared by that folder's README rule). The small
frames with their exact index labels were printed by tsfresh 0.21.2 itself (n_jobs=0). With
TSFRESH_SRC pointing at tsfresh's source (shared/peers/SETUP-tsfresh.md), one more test compares
with live tsfresh over a grid of arguments."""

import itertools
import os
import sys
import types
import warnings

import numpy as np
import pandas as pd
import pytest

import freshet
import golden
from freshet.utilities.dataframe_functions import make_forecasting_frame, roll_time_series

ROLL_CASES = [("GunPoint", "M20_m5_d1", dict(max_timeshift=20, min_timeshift=5)),
              ("GunPoint", "M10_m0_d-1", dict(max_timeshift=10, rolling_direction=-1)),
              ("BasicMotions", "M20_m5_d1", dict(max_timeshift=20, min_timeshift=5)),
              ("BasicMotions", "M10_m0_d-1", dict(max_timeshift=10, rolling_direction=-1))]
KW = dict(column_id="id", column_sort="time", column_kind="kind")


def subset(dataset):
    return pd.read_csv(os.path.join(golden.REF_ROLLING, dataset, "series_subset.csv"),
                       dtype={"kind": str, "value": "float64"}, float_precision="round_trip")


def as_text_ids(frame):
    """Features with tsfresh's window ids written as the reference files write them."""
    out = frame.copy()
    out.index = pd.Index([str(i) for i in frame.index], name="id")
    return out


@pytest.mark.parametrize("tag,roll", [("M20_m5_d1", dict(max_timeshift=20, min_timeshift=5)),
                                      ("M10_m0_d-1", dict(max_timeshift=10,
                                                          rolling_direction=-1))])
def test_roll_time_series_equals_tsfresh_frame(tag, roll):
    rolled = roll_time_series(subset("GunPoint"), **KW, **roll)
    ref = pd.read_csv(os.path.join(golden.REF_ROLLING, "GunPoint", "rolled_frame_%s.csv" % tag),
                      dtype={"kind": str}, float_precision="round_trip")
    assert list(rolled.columns) == ["id", "time", "kind", "value"]
    assert [str(i) for i in rolled["id"]] == list(ref["id"])  # tuples, in tsfresh's row order
    assert rolled["id"].dtype == object and isinstance(rolled["id"].iloc[0], tuple)
    np.testing.assert_array_equal(rolled["time"].to_numpy(), ref["time"].to_numpy())
    assert rolled["time"].dtype == np.int64
    assert list(rolled["kind"]) == list(ref["kind"])
    np.testing.assert_array_equal(rolled["value"].to_numpy(), ref["value"].to_numpy())


@pytest.mark.parametrize("dataset,tag,roll", ROLL_CASES)
def test_extract_with_roll_equals_tsfresh_rolled_features(dataset, tag, roll):
    X = freshet.extract_features(subset(dataset), **KW, column_value="value",
                                 default_fc_parameters=freshet.EfficientFCParameters(),
                                 n_jobs=2, roll=roll)
    ref = golden.read_reference("%s/rolled_efficient_%s.csv" % (dataset, tag),
                                golden.REF_ROLLING)
    # tsfresh's index for tuple ids: an unnamed two-level MultiIndex (old id, time)
    assert isinstance(X.index, pd.MultiIndex) and list(X.index.names) == [None, None]
    assert [str(d) for d in X.index.dtypes] == ["int64", "int64"]
    n = golden.compare_features(as_text_ids(X), ref, dataset + " " + tag, rolled=True)
    assert n == ref.shape[0] * ref.shape[1]


def test_extract_on_rolled_frame_equals_extract_with_roll():
    # The two routes give the same frame, bit for bit: windows copied into a frame by
    # roll_time_series, or viewed in place by roll=.
    df = subset("BasicMotions")
    settings = freshet.EfficientFCParameters()
    roll = dict(max_timeshift=20, min_timeshift=5)
    a = freshet.extract_features(roll_time_series(df, **KW, **roll), **KW, column_value="value",
                                 default_fc_parameters=settings, n_jobs=1)
    b = freshet.extract_features(df, **KW, column_value="value", default_fc_parameters=settings,
                                 n_jobs=2, roll=roll)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == list(b.columns)


def small():
    return pd.DataFrame({"id": [1, 1, 1, 1, 2, 2, 2], "time": [10, 11, 12, 13, 10, 11, 12],
                         "x": [1., 2, 3, 4, 5, 6, 7], "y": [3., 2, 1, 0, -1, -2, -3]})


def test_roll_time_series_small_frame_as_tsfresh_prints_it():
    r = roll_time_series(small(), column_id="id", column_sort="time", max_timeshift=2)
    assert list(r.columns) == ["id", "time", "x", "y"]
    assert list(r.index) == [0, 2, 3, 6, 7, 8, 12, 13, 14, 1, 4, 5, 9, 10, 11]
    assert list(r["id"]) == [(1, 10), (1, 11), (1, 11), (1, 12), (1, 12), (1, 12), (1, 13),
                             (1, 13), (1, 13), (2, 10), (2, 11), (2, 11), (2, 12), (2, 12),
                             (2, 12)]
    assert list(r["time"]) == [10, 10, 11, 10, 11, 12, 11, 12, 13, 10, 10, 11, 10, 11, 12]
    assert type(r["id"].iloc[0][0]) is int and type(r["id"].iloc[0][1]) is np.int64

    # Without a sort column: windows named by position, a `sort` column added to the result
    # (tsfresh adds it to the caller's frame too; freshet leaves the caller's frame alone).
    df = small()
    r = roll_time_series(df, column_id="id")
    assert list(df.columns) == ["id", "time", "x", "y"]
    assert list(r.columns) == ["id", "time", "x", "y", "sort"]
    assert list(r.index) == [0, 2, 3, 6, 7, 8, 12, 13, 14, 15, 1, 4, 5, 9, 10, 11]
    assert [i[1] for i in r["id"]] == [0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 0, 1, 1, 2, 2, 2]


def test_roll_time_series_whole_series_chunk_keeps_frame_order():
    # A shift where every group gives its whole series is pandas' transform case of
    # groupby.apply in tsfresh: that chunk's rows are numbered in the frame's order.
    df = pd.DataFrame({"id": [1, 2, 1, 2, 1, 2], "time": [10, 10, 11, 11, 12, 12],
                       "x": [1., 5, 2, 6, 3, 7]})
    r = roll_time_series(df, column_id="id", column_sort="time")
    assert list(r.index) == [0, 2, 3, 6, 8, 10, 1, 4, 5, 7, 9, 11]
    r = roll_time_series(df, column_id="id", column_sort="time", rolling_direction=-1)
    assert list(r.index) == [0, 2, 4, 6, 7, 10, 1, 3, 5, 8, 9, 11]
    assert [str(i) for i in r["id"]][:6] == ["(1, 10)"] * 3 + ["(1, 11)"] * 2 + ["(1, 12)"]
    # column_id other than "id": the window ids go to a new last column named "id"
    df = df.rename(columns={"id": "g"}).assign(k="u")
    r = roll_time_series(df, column_id="g", column_sort="time", column_kind="k",
                         max_timeshift=5)
    assert list(r.columns) == ["g", "time", "x", "k", "id"]


def test_make_forecasting_frame_as_tsfresh():
    x = pd.Series([5., 6, 7, 8, 9], index=[3, 4, 5, 6, 7])
    df, y = make_forecasting_frame(x, kind="price", max_timeshift=2, rolling_direction=1)
    assert freshet.make_forecasting_frame is make_forecasting_frame
    assert list(df.columns) == ["id", "time", "value", "kind"]
    assert list(df.index) == [1, 3, 4, 6, 7, 9, 10]
    assert list(df["id"]) == [("id", 4), ("id", 5), ("id", 5), ("id", 6), ("id", 6),
                              ("id", 7), ("id", 7)]
    assert list(df["time"]) == [3, 3, 4, 4, 5, 5, 6]
    assert list(df["value"]) == [5., 5, 6, 6, 7, 7, 8]
    assert set(df["kind"]) == {"price"}
    assert list(y.index) == [("id", 4), ("id", 5), ("id", 6), ("id", 7)]
    assert list(y) == [6., 7, 8, 9] and y.name == "value"


def test_roll_errors_as_tsfresh():
    df = small()
    for kw, text in [(dict(rolling_direction=0), "Rolling direction of 0"),
                     (dict(max_timeshift=0), "max_timeshift needs to be positive"),
                     (dict(min_timeshift=-1), "min_timeshift needs to be positive or zero")]:
        with pytest.raises(ValueError, match=text):
            roll_time_series(df, column_id="id", **kw)
        with pytest.raises(ValueError, match=text):
            freshet.extract_features(df, column_id="id", column_sort="time", roll=kw)
    with pytest.raises(ValueError, match="zero or one rows"):
        roll_time_series(df.iloc[:1], column_id="id")
    with pytest.raises(AttributeError, match="id is not present"):
        roll_time_series(df, column_id="nope")
    with pytest.raises(ValueError, match="no window has min_timeshift"):
        roll_time_series(df, column_id="id", max_timeshift=1, min_timeshift=3)
    with pytest.raises(ValueError, match="unknown key max_shift"):
        freshet.extract_features(df, column_id="id", roll=dict(max_shift=2))
    with pytest.raises(ValueError, match="dictionary and gave a column name for the kind"):
        roll_time_series({"a": df}, column_id="id", column_kind="k")


def test_roll_argument_types():
    """tsfresh slices with max_timeshift and rolling_direction (a float fails in pandas), and
    compares window lengths with min_timeshift + 1 (a float works there): freshet refuses the
    former by name instead of truncating them, and keeps the latter's meaning."""
    df = small()
    for kw, text in [(dict(max_timeshift=2.5), "max_timeshift must be an integer, got 2.5"),
                     (dict(max_timeshift=2.0), "max_timeshift must be an integer, got 2.0"),
                     (dict(max_timeshift=float("nan")), "max_timeshift must be an integer"),
                     (dict(max_timeshift="3"), "max_timeshift must be an integer, got '3'"),
                     (dict(rolling_direction=1.5), "rolling_direction must be an integer"),
                     (dict(min_timeshift=float("nan")), "min_timeshift must be a finite number"),
                     (dict(min_timeshift="1"), "min_timeshift must be a finite number")]:
        with pytest.raises(ValueError, match=text):
            roll_time_series(df, column_id="id", column_sort="time", **kw)
        with pytest.raises(ValueError, match=text):
            freshet.extract_features(df, column_id="id", column_sort="time", roll=kw)
    # numpy integers are integers; min_timeshift 1.5 keeps windows of >= 3 points, as 2 does.
    fc = freshet.feature_extraction.MinimalFCParameters()
    for a, b in [(dict(max_timeshift=np.int64(2)), dict(max_timeshift=2)),
                 (dict(max_timeshift=3, min_timeshift=1.5), dict(max_timeshift=3, min_timeshift=2)),
                 (dict(rolling_direction=np.int32(-2)), dict(rolling_direction=-2))]:
        pd.testing.assert_frame_equal(
            roll_time_series(df, column_id="id", column_sort="time", **a),
            roll_time_series(df, column_id="id", column_sort="time", **b))
        pd.testing.assert_frame_equal(
            freshet.extract_features(df, column_id="id", column_sort="time",
                                     default_fc_parameters=fc, roll=a),
            freshet.extract_features(df, column_id="id", column_sort="time",
                                     default_fc_parameters=fc, roll=b))
    two = roll_time_series(df, column_id="id", column_sort="time", max_timeshift=3,
                           min_timeshift=1.5)
    assert two.groupby("id").size().min() == 3


def test_extract_with_roll_layouts_and_positions():
    # Wide frame, no sort column: windows named by position, as tsfresh's rolled frame
    # extracted with column_sort="sort".
    df = small()[["id", "x", "y"]]
    settings = freshet.MinimalFCParameters()
    rolled = roll_time_series(df, column_id="id", max_timeshift=2)
    a = freshet.extract_features(rolled, column_id="id", column_sort="sort",
                                 default_fc_parameters=settings)
    b = freshet.extract_features(df, column_id="id", default_fc_parameters=settings,
                                 roll=dict(max_timeshift=2))
    pd.testing.assert_frame_equal(a, b)
    assert list(b.index) == [(1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1), (2, 2)]
    assert b.loc[(1, 3), "x__sum_values"] == 9.0  # points 2, 3, 4
    # A dict of frames with their own sort columns, and string ids.
    frames = {k: small().rename(columns={k: "v"}).assign(id=lambda f: f["id"].map(
        {1: "a", 2: "b"}))[["id", "time", "v"]] for k in ("x", "y")}
    c = freshet.extract_features(frames, column_id="id", column_sort="time", column_value="v",
                                 default_fc_parameters=settings,
                                 roll=dict(max_timeshift=1, rolling_direction=-1))
    assert list(c.index)[:4] == [("a", 10), ("a", 11), ("a", 12), ("a", 13)]
    assert c.loc[("a", 12), "y__sum_values"] == 1.0  # y at times 12, 13


def live_tsfresh():
    src = os.environ.get("TSFRESH_SRC")
    if not src or not os.path.isdir(src):
        pytest.skip("TSFRESH_SRC not set (tsfresh source, shared/peers/SETUP-tsfresh.md)")
    for p in (os.environ.get("STUMPY_SRC"), src):
        if p and p not in sys.path:
            sys.path.insert(0, p)
    try:
        import stumpy  # noqa: F401
    except ImportError:
        stub = types.ModuleType("stumpy")
        stub.core = types.SimpleNamespace(mass=None, mass_absolute=None)
        sys.modules["stumpy"] = stub
    from tsfresh.utilities import dataframe_functions
    return dataframe_functions


def test_roll_time_series_equals_live_tsfresh_over_a_grid():
    ts = live_tsfresh()
    rng = np.random.default_rng(1)
    rows = [(i, 100 + 2 * t, k, rng.normal()) for i, n in [(0, 7), (1, 5), (2, 7)]
            for k in ("b", "a") for t in range(n)]
    long = pd.DataFrame(rows, columns=["id", "time", "kind", "value"]).sample(
        frac=1, random_state=3)
    wide = pd.DataFrame({"g": np.repeat(["x", "y"], 6), "t": np.tile(np.arange(6), 2),
                         "a": rng.normal(size=12), "b": rng.normal(size=12)})
    stamped = pd.DataFrame({"id": [1] * 5 + [2] * 5, "v": np.arange(10.),
                            "time": list(pd.date_range("2020-01-01", periods=5)) * 2})
    inputs = [(long, dict(column_id="id", column_sort="time", column_kind="kind")),
              (wide, dict(column_id="g", column_sort="t")), (wide[["g", "a"]], dict(column_id="g")),
              (stamped, dict(column_id="id", column_sort="time"))]
    compared = 0
    for (df, kw), d, M, m in itertools.product(inputs, [1, 2, -1, -3], [None, 1, 3], [0, 2]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                want = ts.roll_time_series(df.copy(), **kw, rolling_direction=d,
                                           max_timeshift=M, min_timeshift=m, n_jobs=0,
                                           disable_progressbar=True)
            except KeyError:  # tsfresh's failure when no window is left
                with pytest.raises(ValueError):
                    roll_time_series(df, **kw, rolling_direction=d, max_timeshift=M,
                                     min_timeshift=m)
                continue
            got = roll_time_series(df, **kw, rolling_direction=d, max_timeshift=M,
                                   min_timeshift=m)
        pd.testing.assert_frame_equal(got, want)
        assert [str(i) for i in got["id"]] == [str(i) for i in want["id"]]
        compared += 1
    assert compared > 50
    for M, d in itertools.product([None, 1, 3], [1, 2]):
        x = pd.Series(rng.normal(size=9), index=np.arange(9) + 50)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want_df, want_y = ts.make_forecasting_frame(x, "p", M, d)
        got_df, got_y = make_forecasting_frame(x, "p", M, d)
        pd.testing.assert_frame_equal(got_df, want_df)
        pd.testing.assert_series_equal(got_y, want_y)


def long_frame(n_ids, length, seed):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"id": np.repeat(np.arange(n_ids), length),
                         "time": np.tile(np.arange(length), n_ids),
                         "value": rng.normal(size=n_ids * length).cumsum()})


def test_extract_with_roll_over_many_blocks_equals_the_rolled_frame():
    # 1,600 windows x 777 columns: the engine's blocks of 2^19 cells split them in three, each
    # copied into the result matrix at its rows (and the columns then put in tsfresh's order in
    # place); the rolled frame's route extracts all windows at once.
    df = long_frame(2, 800, 5)
    settings = freshet.EfficientFCParameters()
    roll = dict(max_timeshift=30)
    a = freshet.extract_features(roll_time_series(df, column_id="id", column_sort="time", **roll),
                                 column_id="id", column_sort="time",
                                 default_fc_parameters=settings, n_jobs=2)
    b = freshet.extract_features(df, column_id="id", column_sort="time",
                                 default_fc_parameters=settings, n_jobs=2, roll=roll)
    assert b.shape == (1600, a.shape[1]) and b.shape[0] * b.shape[1] > 2 * 2 ** 19
    pd.testing.assert_frame_equal(a, b)
    assert b.values.flags["F_CONTIGUOUS"]


def test_permute_columns_moves_every_cycle_in_place():
    from freshet import _core
    rng = np.random.default_rng(2)
    for cols, perm in [(1, [0]), (5, [0, 1, 2, 3, 4]), (5, [4, 0, 1, 2, 3]),
                       (6, [1, 0, 3, 2, 5, 4]), (7, [0, 2, 1, 3, 6, 5, 4])] + \
            [(n, list(rng.permutation(n))) for n in (2, 9, 50, 333)]:
        m = np.asfortranarray(rng.normal(size=(37, cols)))
        want = m[:, perm].copy()
        before = m.ctypes.data
        _core.permute_columns(m, perm)
        assert m.ctypes.data == before
        np.testing.assert_array_equal(m, want)
    m = np.asfortranarray(np.ones((3, 3)))
    for bad in ([0, 1], [0, 1, 1], [0, 1, 3], [-1, 0, 1]):
        with pytest.raises(Exception, match="permute_columns"):
            _core.permute_columns(m, bad)
    with pytest.raises(TypeError):  # a C-order array would be converted: a copy, not in place
        _core.permute_columns(np.ones((3, 3)), [2, 1, 0])


def test_extract_with_roll_holds_the_result_once():
    # The rolled result is the one large allocation: the peak RSS of a child process grows by
    # little more than the result matrix (before blocks were copied into it, the engine's table,
    # its chunks' bytes and a reordered copy held it ~4 times).
    code = r"""
import resource, sys
import numpy as np, pandas as pd
sys.path[:0] = %r
import freshet
from test_rolling import long_frame
df = long_frame(4, 5000, 3)
s = freshet.EfficientFCParameters()
freshet.extract_features(df.iloc[:50], column_id="id", column_sort="time",
                         default_fc_parameters=s, n_jobs=2, roll=dict(max_timeshift=20))
def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
before = rss_kb()
X = freshet.extract_features(df, column_id="id", column_sort="time", default_fc_parameters=s,
                             n_jobs=2, roll=dict(max_timeshift=20))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(X.values.nbytes // 1024, peak - before)
"""
    import subprocess
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.executable, "-c", code % ([here] + sys.path,)], check=True,
                         capture_output=True, text=True).stdout.split()
    result_kb, growth_kb = int(out[0]), int(out[1])
    assert result_kb > 100_000  # 20,000 windows x 777 columns
    assert growth_kb < 1.4 * result_kb, (result_kb, growth_kb)
