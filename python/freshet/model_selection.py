"""scikit-learn's cross-validation splitters on freshet's C++ splitters (xval/splitters.hpp).

Same class names, parameters and folds as sklearn 1.2's model_selection: for an integer
random_state the folds are equal to sklearn's, index for index (freshet reproduces numpy's
RandomState). Every class has split(X, y=None, groups=None) yielding (train, test) int64 index
arrays and get_n_splits(X=None, y=None, groups=None), so sklearn's cross_val_score,
cross_validate and GridSearchCV accept them as ``cv=``.

random_state=None draws fresh entropy (not reproducible), as in sklearn; a
numpy.random.RandomState instance is used to draw an integer seed, so its folds differ from the
ones sklearn would derive from the same instance.

PurgedKFold is freshet's own: purged (and embargoed, optionally combinatorial) k-fold for time
series, see xval/README.md.
"""

import math
import warnings

import numpy as np

from . import _core

__all__ = ["KFold", "StratifiedKFold", "GroupKFold", "TimeSeriesSplit", "ShuffleSplit",
           "StratifiedShuffleSplit", "RepeatedKFold", "RepeatedStratifiedKFold", "LeaveOneOut",
           "LeavePOut", "PredefinedSplit", "PurgedKFold"]


def _num_samples(X):
    if X is None:
        raise ValueError("The 'X' parameter should not be None.")
    if hasattr(X, "shape") and len(X.shape) > 0:
        return int(X.shape[0])
    return len(X)


def _value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _seed(random_state):
    if random_state is None:
        return None
    if isinstance(random_state, (int, np.integer)):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    raise ValueError("%r cannot be used to seed a numpy.random.RandomState instance"
                     % (random_state,))


def _labels(values):
    if values is None:
        return None
    arr = np.asarray(values)
    if arr.ndim != 1:
        arr = arr.ravel() if arr.ndim == 2 and arr.shape[1] == 1 else arr
    if arr.dtype.kind not in "iufb":
        arr = np.array([str(v) for v in arr], dtype=object)
    return arr


class _Splitter:
    _name = ""
    _params = ()

    def _spec_params(self):
        out = {}
        for p in self._params:
            v = getattr(self, p)
            if p == "random_state":
                v = _seed(v)
            if v is not None:
                out[p] = v
        return out

    def _spec(self):
        params = self._spec_params()
        if not params:
            return self._name
        return self._name + ":" + ",".join("%s=%s" % (k, _value(v)) for k, v in params.items())

    def _columns(self, X):
        return {}

    def split(self, X, y=None, groups=None):
        n = _num_samples(X)
        folds, notes = _core.folds(self._spec(), n, _labels(y), _labels(groups),
                                   self._columns(X))
        for note in notes:
            warnings.warn(note, UserWarning)
        for train, test in folds:
            yield train, test

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_splits

    def __repr__(self):
        params = ", ".join("%s=%r" % (p, getattr(self, p)) for p in sorted(self._params))
        return "%s(%s)" % (type(self).__name__, params)


def _check_n_splits(n_splits):
    if not isinstance(n_splits, (int, np.integer)):
        raise ValueError("The number of folds must be of Integral type. %s of type %s was "
                         "passed." % (n_splits, type(n_splits)))
    if n_splits <= 1:
        raise ValueError("k-fold cross-validation requires at least one train/test split by "
                         "setting n_splits=2 or more, got n_splits={0}.".format(n_splits))
    return int(n_splits)


class KFold(_Splitter):
    _name = "kfold"
    _params = ("n_splits", "shuffle", "random_state")

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        self.n_splits = _check_n_splits(n_splits)
        if not isinstance(shuffle, bool):
            raise TypeError("shuffle must be True or False; got {0}".format(shuffle))
        if not shuffle and random_state is not None:
            raise ValueError("Setting a random_state has no effect since shuffle is False. You "
                             "should leave random_state to its default (None), or set "
                             "shuffle=True.")
        self.shuffle = shuffle
        self.random_state = random_state


class StratifiedKFold(KFold):
    _name = "stratified_kfold"

    def split(self, X, y, groups=None):
        return super().split(X, y, groups)


class GroupKFold(_Splitter):
    """sklearn's GroupKFold. The group order is computed here with numpy itself: sklearn sorts
    group sizes with numpy's unstable argsort, whose order among equal sizes depends on the
    numpy build once there are more than 16 groups, which xval's C++ splitter (stable order)
    reproduces only up to 16 groups. Assignment is then the same greedy rule."""

    _name = "group_kfold"
    _params = ("n_splits",)

    def __init__(self, n_splits=5):
        self.n_splits = _check_n_splits(n_splits)

    def split(self, X, y=None, groups=None):
        if groups is None:
            raise ValueError("The 'groups' parameter should not be None.")
        n = _num_samples(X)
        if self.n_splits > n:
            raise ValueError("Cannot have number of splits n_splits={0} greater than the number "
                             "of samples: n_samples={1}.".format(self.n_splits, n))
        unique_groups, codes = np.unique(_labels(groups), return_inverse=True)
        if len(codes) != n:
            raise ValueError("groups has %d rows, X has %d" % (len(codes), n))
        if self.n_splits > len(unique_groups):
            raise ValueError("Cannot have number of splits n_splits=%d greater than the number "
                             "of groups: %d." % (self.n_splits, len(unique_groups)))
        sizes = np.bincount(codes)
        order = np.argsort(sizes)[::-1]
        per_fold = np.zeros(self.n_splits)
        group_to_fold = np.zeros(len(unique_groups))
        for index, weight in enumerate(sizes[order]):
            lightest = np.argmin(per_fold)
            per_fold[lightest] += weight
            group_to_fold[order[index]] = lightest
        fold_of_row = group_to_fold[codes]
        rows = np.arange(n)
        for f in range(self.n_splits):
            test = fold_of_row == f
            yield rows[~test], rows[test]


class TimeSeriesSplit(_Splitter):
    _name = "time_series_split"
    _params = ("n_splits", "max_train_size", "test_size", "gap")

    def __init__(self, n_splits=5, *, max_train_size=None, test_size=None, gap=0):
        self.n_splits = _check_n_splits(n_splits)
        self.max_train_size = max_train_size
        self.test_size = test_size
        self.gap = gap


class ShuffleSplit(_Splitter):
    _name = "shuffle_split"
    _params = ("n_splits", "test_size", "train_size", "random_state")

    def __init__(self, n_splits=10, *, test_size=None, train_size=None, random_state=None):
        self.n_splits = int(n_splits)
        self.test_size = test_size
        self.train_size = train_size
        self.random_state = random_state


class StratifiedShuffleSplit(ShuffleSplit):
    _name = "stratified_shuffle_split"

    def split(self, X, y, groups=None):
        return super().split(X, y, groups)


class RepeatedKFold(_Splitter):
    _name = "repeated_kfold"
    _params = ("n_splits", "n_repeats", "random_state")

    def __init__(self, *, n_splits=5, n_repeats=10, random_state=None):
        self.n_splits = _check_n_splits(n_splits)
        if not isinstance(n_repeats, (int, np.integer)) or n_repeats <= 0:
            raise ValueError("Number of repetitions must be greater than 0.")
        self.n_repeats = int(n_repeats)
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_splits * self.n_repeats


class RepeatedStratifiedKFold(RepeatedKFold):
    _name = "repeated_stratified_kfold"

    def split(self, X, y, groups=None):
        return super().split(X, y, groups)


class LeaveOneOut(_Splitter):
    _name = "leave_one_out"

    def get_n_splits(self, X, y=None, groups=None):
        return _num_samples(X)


class LeavePOut(_Splitter):
    _name = "leave_p_out"
    _params = ("p",)

    def __init__(self, p):
        self.p = int(p)

    def get_n_splits(self, X, y=None, groups=None):
        return math.comb(_num_samples(X), self.p)


class PredefinedSplit(_Splitter):
    _name = "predefined_split"
    _params = ("test_fold",)

    def __init__(self, test_fold):
        self.test_fold = np.array(test_fold, dtype=np.int64)
        self.unique_folds = np.unique(self.test_fold)
        self.unique_folds = self.unique_folds[self.unique_folds != -1]

    def _spec_params(self):
        return {}

    def _columns(self, X):
        return {"test_fold": self.test_fold}

    def split(self, X=None, y=None, groups=None):
        return super().split(self.test_fold, y, groups)

    def get_n_splits(self, X=None, y=None, groups=None):
        return len(self.unique_folds)


class PurgedKFold(_Splitter):
    """Purged k-fold (n_test_groups=1) or combinatorial purged CV (n_test_groups > 1).

    times: observation time of each row (default: row position); or start/end: each row's
    label interval. Training rows whose interval overlaps a test block are purged; rows within
    ``embargo`` time units (plus ``embargo_pct`` of all rows) after a block are embargoed."""

    _name = "purged_kfold"
    _params = ("n_splits", "n_test_groups", "embargo", "embargo_pct")

    def __init__(self, n_splits=5, *, n_test_groups=1, times=None, start=None, end=None,
                 embargo=0.0, embargo_pct=0.0):
        self.n_splits = _check_n_splits(n_splits)
        self.n_test_groups = int(n_test_groups)
        self.times, self.start, self.end = times, start, end
        self.embargo = float(embargo)
        self.embargo_pct = float(embargo_pct)

    def _spec_params(self):
        out = super()._spec_params()
        for key in ("times", "start", "end"):
            if getattr(self, key) is not None:
                out["time" if key == "times" else key] = "_" + key
        return out

    def _columns(self, X):
        return {"_" + key: np.asarray(getattr(self, key), dtype=np.float64)
                for key in ("times", "start", "end") if getattr(self, key) is not None}

    def get_n_splits(self, X=None, y=None, groups=None):
        return math.comb(self.n_splits, self.n_test_groups)
