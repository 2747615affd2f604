"""tsfresh's roll_time_series and make_forecasting_frame, vectorised with numpy.

Both return the frame tsfresh 0.21.2 returns (run sequentially, ``n_jobs=0``): the same columns
in the same order, the same dtypes, window ids as ``(old id, time)`` tuples in an object column
named ``id``, rows sorted by ``(id, time)``, and even the same index labels (tsfresh's
positions after concatenating its per-shift chunks). The windows are cut by index arithmetic
instead of a pandas ``groupby.apply`` per shift, so this costs one ``take`` of the rows.

Rolling materialises every window: a series of length L gives about L * (max_timeshift + 1)
rows. To extract features of rolled windows without building this frame, pass ``roll=`` to
``freshet.extract_features`` (the C++ engine then computes every window on a view of the series,
fresh/roll.hpp).

Differences from tsfresh, by design: without ``column_sort`` tsfresh writes a ``sort`` column
into the caller's DataFrame; freshet leaves the caller's frame alone (the returned frame has the
``sort`` column, as tsfresh's); ``n_jobs``, ``chunksize``, ``distributor``, ``show_warnings``
and ``disable_progressbar`` are accepted and ignored (tsfresh's index labels depend on
``n_jobs``: with a process pool its chunks are concatenated in completion order).
"""

import math
import numbers
import warnings

import numpy as np
import pandas as pd


def _check_roll_arguments(rolling_direction, max_timeshift, min_timeshift):
    """tsfresh's checks, plus the types its code needs: (rolling_direction, max_timeshift or
    None, min_timeshift) as Python ints. rolling_direction and max_timeshift are integers (tsfresh
    slices with them: a float fails there with pandas' TypeError, so it is refused here rather
    than truncated); min_timeshift may be any finite number, as tsfresh only compares window
    lengths with min_timeshift + 1 (a length n passes when n >= ceil(min_timeshift) + 1)."""
    def integer(name, value):
        if isinstance(value, numbers.Integral):
            return int(value)
        raise ValueError("{} must be an integer, got {!r}".format(name, value))

    rolling_direction = integer("rolling_direction", rolling_direction)
    if max_timeshift is not None:
        max_timeshift = integer("max_timeshift", max_timeshift)
    if not isinstance(min_timeshift, numbers.Real) or not math.isfinite(min_timeshift):
        raise ValueError("min_timeshift must be a finite number, got {!r}".format(min_timeshift))
    min_timeshift = int(math.ceil(min_timeshift))
    if rolling_direction == 0:
        raise ValueError("Rolling direction of 0 is not possible")
    if max_timeshift is not None and max_timeshift <= 0:
        raise ValueError("max_timeshift needs to be positive!")
    if min_timeshift < 0:
        raise ValueError("min_timeshift needs to be positive or zero!")
    return rolling_direction, max_timeshift, min_timeshift


def _ranges(starts, lengths):
    """The concatenation of arange(s, s + n) for every (s, n)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    firsts = np.cumsum(lengths) - lengths
    return (np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(firsts, lengths) +
            np.repeat(np.asarray(starts, dtype=np.int64), lengths))


def roll_time_series(df_or_dict, column_id, column_sort=None, column_kind=None,
                     rolling_direction=1, max_timeshift=None, min_timeshift=0, chunksize=None,
                     n_jobs=1, show_warnings=False, disable_progressbar=False, distributor=None):
    """tsfresh.utilities.dataframe_functions.roll_time_series: every window the cut-out of
    length <= max_timeshift + 1 sees, rolled per (kind, id) in time order, as a series of its
    own with the id ``(old id, time of its last point)`` (``rolling_direction`` > 0) or ``(old
    id, time of its first point)`` (< 0); ``|rolling_direction|`` points between windows;
    windows of fewer than ``min_timeshift + 1`` points are dropped. A dict of DataFrames gives a
    dict of rolled frames."""
    rolling_direction, max_timeshift, min_timeshift = _check_roll_arguments(
        rolling_direction, max_timeshift, min_timeshift)
    if isinstance(df_or_dict, dict):
        if column_kind is not None:
            raise ValueError("You passed in a dictionary and gave a column name for the kind. "
                             "Both are not possible.")
        return {key: roll_time_series(frame, column_id=column_id, column_sort=column_sort,
                                      column_kind=column_kind,
                                      rolling_direction=rolling_direction,
                                      max_timeshift=max_timeshift, min_timeshift=min_timeshift)
                for key, frame in df_or_dict.items()}

    df = df_or_dict
    if len(df) <= 1:
        raise ValueError(
            "Your time series container has zero or one rows!. Can not perform rolling.")
    if column_id is None:
        raise ValueError(
            "You have to set the column_id which contains the ids of the different time series")
    if column_id not in df:
        raise AttributeError("The given column for the id is not present in the data.")
    grouper = [column_kind, column_id] if column_kind is not None else [column_id]

    if column_sort is not None:
        if df[column_sort].isnull().any():
            raise ValueError("You have NaN values in your sort column.")
        df = df.sort_values(column_sort)  # tsfresh's call: the same order, ties included
    else:
        df = df.assign(sort=np.arange(len(df)))  # tsfresh assigns into the caller's frame

    # Group code of every row (groups in tsfresh's order: sorted by kind, then id; rows with a
    # missing key belong to none, as in groupby) and the rows of each group in frame order.
    codes = df.groupby(grouper, sort=True).ngroup().to_numpy()
    member = codes >= 0
    n_groups = int(codes.max()) + 1 if member.any() else 0
    in_group = np.flatnonzero(member)
    order = in_group[np.argsort(codes[member], kind="stable")]
    lengths = np.bincount(codes[member], minlength=n_groups).astype(np.int64)
    group_start = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)

    if column_sort is not None and df[column_sort].dtype != object and len(order) > 1:
        # tsfresh warns when the sort values are not uniformly spaced within the groups.
        values = df[column_sort].to_numpy()[order]
        differences = values[:-1] - values[1:]
        inside = np.ones(len(order) - 1, dtype=bool)
        boundaries = np.cumsum(lengths)[:-1] - 1
        inside[boundaries[(boundaries >= 0) & (boundaries < len(inside))]] = False
        differences = differences[inside]
        if len(differences) and differences.min() != differences.max():
            warnings.warn("Your time stamps are not uniformly sampled, which makes rolling "
                          "nonsensical in some domains.")

    amount = abs(int(rolling_direction))
    steps = int(lengths.max()) if n_groups else 0  # tsfresh's prediction_steps
    shift_max = max_timeshift or steps
    if rolling_direction > 0:
        shifts = np.arange(steps, 0, -amount, dtype=np.int64)[::-1]
    else:
        shifts = np.arange(1, steps + 1, amount, dtype=np.int64)

    # Every (shift, group) pair, shift-major: tsfresh's chunk order (one groupby.apply per shift).
    t = np.repeat(shifts, n_groups)
    g = np.tile(np.arange(n_groups, dtype=np.int64), len(shifts))
    length = lengths[g]
    if rolling_direction > 0:
        until = t
        start = np.maximum(t - shift_max - 1, 0)
        ok = t <= length
    else:
        start = t - 1
        until = np.minimum(start + shift_max + 1, length)
        ok = np.ones(len(t), dtype=bool)
    size = np.where(ok, np.maximum(until - start, 0), 0)
    ok &= size >= min_timeshift + 1
    size = np.where(ok, size, 0)

    # Rows of the concatenated chunks: each window's rows in frame order. A shift where every
    # group gives its whole series is pandas' "transform" case of groupby.apply: that chunk is in
    # the frame's own row order instead of group by group.
    per_shift = ok.reshape(len(shifts), n_groups) & (
        (start == 0) & (until == length)).reshape(len(shifts), n_groups)
    whole = per_shift.all(axis=1) if n_groups else np.zeros(len(shifts), dtype=bool)
    label_pos = group_start[g] + t - 1  # the point the window is named after, in `order`
    window_rows = order[_ranges(group_start[g] + start, size)]
    window_of = np.repeat(np.arange(len(t)), size)
    if whole.any():
        chunk = np.repeat(np.arange(len(shifts)), n_groups)[window_of]
        rows_parts, win_parts = [], []
        bounds = np.searchsorted(chunk, np.arange(len(shifts) + 1))
        for s in range(len(shifts)):
            lo, hi = bounds[s], bounds[s + 1]
            if whole[s]:
                rows = in_group  # frame order
                # the window of each row: its group's window at this shift
                win = s * n_groups + codes[in_group]
            else:
                rows, win = window_rows[lo:hi], window_of[lo:hi]
            rows_parts.append(rows)
            win_parts.append(win)
        window_rows = np.concatenate(rows_parts) if rows_parts else window_rows
        window_of = np.concatenate(win_parts) if win_parts else window_of

    if not ok.any():
        # tsfresh fails here with KeyError: 'id' (it sorts a frame without columns)
        raise ValueError("roll_time_series: no window has min_timeshift + 1 = {} points (the "
                         "longest series has {})".format(min_timeshift + 1, steps))
    out = df.take(window_rows)
    out.index = pd.RangeIndex(len(out))
    old_ids = df[column_id].astype(object).to_numpy()[window_rows]
    if column_sort is not None:
        label_values = df[column_sort].iloc[order[label_pos[ok]]].array
    else:
        label_values = (t[ok] - 1).tolist()
    label_of_window = np.full(len(t), -1, dtype=np.int64)
    label_of_window[ok] = np.arange(int(ok.sum()))
    window_label = label_of_window[window_of]
    labels = list(label_values)
    new_ids = np.empty(len(out), dtype=object)
    new_ids[:] = [(i, labels[w]) for i, w in zip(old_ids.tolist(), window_label.tolist())]
    out["id"] = new_ids
    return out.sort_values(by=["id", column_sort or "sort"])


def make_forecasting_frame(x, kind, max_timeshift, rolling_direction, min_timeshift=0):
    """tsfresh's make_forecasting_frame: (df, y) where df holds, for every time stamp of the
    single series x, the last <= max_timeshift points before it as a series with the id
    ``("id", time)``, and y the value to predict at that time (index: the same tuples)."""
    n = len(x)
    t = x.index if isinstance(x, pd.Series) else range(n)
    df = pd.DataFrame({"id": ["id"] * n, "time": t, "value": x, "kind": kind})
    df_shift = roll_time_series(df, column_id="id", column_sort="time", column_kind="kind",
                                rolling_direction=rolling_direction,
                                max_timeshift=max_timeshift, min_timeshift=min_timeshift)
    # Drop each window's last row: that is the value to predict. Rows of one id are adjacent
    # (the frame is sorted by id).
    codes, _ = pd.factorize(df_shift["id"])
    keep = np.ones(len(codes), dtype=bool)
    if len(codes):
        keep[:-1] = codes[:-1] == codes[1:]
        keep[-1] = False
    df_shift = df_shift[keep]

    y = df["value"][1:]
    y.index = map(lambda i: ("id", i), y.index)
    valid_ids = set(df_shift["id"].unique())
    y = y[y.index.isin(valid_ids)]
    return df_shift, y
