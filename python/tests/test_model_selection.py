"""freshet.model_selection against scikit-learn's own splitters, and inside sklearn's
cross_val_score and GridSearchCV."""

import numpy as np
import pytest
import sklearn.model_selection as skms
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

import freshet.model_selection as fms


def assert_same_folds(ours, theirs, X, y=None, groups=None):
    a = list(ours.split(X, y, groups))
    b = list(theirs.split(X, y, groups))
    assert len(a) == len(b) == ours.get_n_splits(X, y, groups) == theirs.get_n_splits(X, y,
                                                                                        groups)
    for (tr_a, te_a), (tr_b, te_b) in zip(a, b):
        assert tr_a.dtype == tr_b.dtype
        np.testing.assert_array_equal(tr_a, tr_b)
        np.testing.assert_array_equal(te_a, te_b)


SHAPES = [(10, 0), (37, 1), (101, 7), (250, 42)]


@pytest.mark.parametrize("n,seed", SHAPES)
def test_kfold_family_equals_sklearn(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = rng.integers(0, 3, size=n)
    groups = rng.integers(0, max(5, n // 4), size=n)
    for k in (2, 3, 5):
        assert_same_folds(fms.KFold(k), skms.KFold(k), X)
        assert_same_folds(fms.KFold(k, shuffle=True, random_state=seed),
                          skms.KFold(k, shuffle=True, random_state=seed), X)
        assert_same_folds(fms.StratifiedKFold(k), skms.StratifiedKFold(k), X, y)
        assert_same_folds(fms.StratifiedKFold(k, shuffle=True, random_state=seed),
                          skms.StratifiedKFold(k, shuffle=True, random_state=seed), X, y)
        assert_same_folds(fms.GroupKFold(k), skms.GroupKFold(k), X, y, groups)
        assert_same_folds(fms.TimeSeriesSplit(k), skms.TimeSeriesSplit(k), X)
        assert_same_folds(fms.TimeSeriesSplit(k, gap=1, max_train_size=n // 3),
                          skms.TimeSeriesSplit(k, gap=1, max_train_size=n // 3), X)
        assert_same_folds(fms.RepeatedKFold(n_splits=k, n_repeats=3, random_state=seed),
                          skms.RepeatedKFold(n_splits=k, n_repeats=3, random_state=seed), X)


@pytest.mark.parametrize("n,seed", SHAPES)
def test_shuffle_loo_predefined_equal_sklearn(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = rng.integers(0, 2, size=n)
    for test_size in (None, 0.25, 3):
        assert_same_folds(fms.ShuffleSplit(5, test_size=test_size, random_state=seed),
                          skms.ShuffleSplit(5, test_size=test_size, random_state=seed), X)
    assert_same_folds(fms.ShuffleSplit(4, train_size=0.5, random_state=seed),
                      skms.ShuffleSplit(4, train_size=0.5, random_state=seed), X)
    if min(np.bincount(y)) >= 2:
        assert_same_folds(fms.StratifiedShuffleSplit(3, test_size=0.3, random_state=seed),
                          skms.StratifiedShuffleSplit(3, test_size=0.3, random_state=seed), X, y)
    assert_same_folds(fms.LeaveOneOut(), skms.LeaveOneOut(), X)
    test_fold = rng.integers(-1, 3, size=n)
    assert_same_folds(fms.PredefinedSplit(test_fold), skms.PredefinedSplit(test_fold), X)


def test_bad_parameters_are_errors_as_in_sklearn():
    with pytest.raises(ValueError, match="random_state has no effect"):
        fms.KFold(3, random_state=1)
    with pytest.raises(ValueError, match="n_splits=2 or more"):
        fms.KFold(1)
    with pytest.raises(ValueError):
        list(fms.KFold(5).split(np.zeros((3, 1))))  # more folds than rows
    with pytest.raises(ValueError, match="groups"):
        list(fms.GroupKFold(2).split(np.zeros((4, 1))))


def test_purged_kfold_purges_and_embargoes():
    X = np.zeros((20, 1))
    plain = list(fms.PurgedKFold(4).split(X))
    assert fms.PurgedKFold(4).get_n_splits() == 4 and len(plain) == 4
    for train, test in plain:  # with point times, purging removes nothing
        assert sorted(np.concatenate([train, test])) == list(range(20))
    embargoed = list(fms.PurgedKFold(4, embargo=2).split(X))
    train, test = embargoed[0]  # test rows 0..4: rows 5 and 6 (within 2 after t=4) leave
    assert list(test) == [0, 1, 2, 3, 4] and 5 not in train and 6 not in train and 7 in train
    assert fms.PurgedKFold(4, n_test_groups=2).get_n_splits() == 6


def test_accepted_by_cross_val_score_and_grid_search_cv():
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    for ours, theirs in [(fms.StratifiedKFold(4, shuffle=True, random_state=3),
                          skms.StratifiedKFold(4, shuffle=True, random_state=3)),
                         (fms.KFold(5), skms.KFold(5)),
                         (fms.ShuffleSplit(6, test_size=0.2, random_state=1),
                          skms.ShuffleSplit(6, test_size=0.2, random_state=1))]:
        a = skms.cross_val_score(LogisticRegression(max_iter=500), X, y, cv=ours)
        b = skms.cross_val_score(LogisticRegression(max_iter=500), X, y, cv=theirs)
        np.testing.assert_array_equal(a, b)
    grid = {"n_neighbors": [1, 3, 5, 9]}
    ours = skms.GridSearchCV(KNeighborsClassifier(), grid,
                             cv=fms.RepeatedKFold(n_splits=3, n_repeats=2, random_state=5))
    theirs = skms.GridSearchCV(KNeighborsClassifier(), grid,
                               cv=skms.RepeatedKFold(n_splits=3, n_repeats=2, random_state=5))
    ours.fit(X, y)
    theirs.fit(X, y)
    assert ours.best_params_ == theirs.best_params_
    assert ours.n_splits_ == 6
    np.testing.assert_array_equal(ours.cv_results_["mean_test_score"],
                                  theirs.cv_results_["mean_test_score"])
