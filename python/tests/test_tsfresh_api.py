"""freshet's tsfresh API against tsfresh's golden files (no live tsfresh needed).

The robot-failure test is tsfresh's documented quick-start workflow
(https://tsfresh.readthedocs.io/en/latest/text/quick_start.html) with `import freshet as
tsfresh` in place of tsfresh, checked cell by cell against shared/reference/tsfresh."""

import os

import numpy as np
import pandas as pd
import pytest

import freshet
import golden


def test_robot_failure_workflow_with_import_substitution():
    import freshet as tsfresh
    from freshet import extract_features, extract_relevant_features, select_features
    from freshet.utilities.dataframe_functions import impute

    timeseries, y = golden.robot_tsfresh_format()
    extracted_features = extract_features(timeseries, column_id="id", column_sort="time")
    ref = golden.read_reference("RobotFailureLP1/features_comprehensive.csv")
    # What tsfresh returns: ids ascending as an unnamed int64 index, float64 columns.
    assert extracted_features.index.dtype == np.int64 and extracted_features.index.name is None
    assert set(extracted_features.dtypes) == {np.dtype("float64")}
    assert golden.compare_features(extracted_features, ref,
                                   "RobotFailureLP1/features_comprehensive.csv") == 88 * 4698

    assert impute(extracted_features) is extracted_features  # in place, as tsfresh's
    ref_imputed = golden.read_reference("RobotFailureLP1/features_comprehensive_imputed.csv")
    golden.compare_features(extracted_features, ref_imputed,
                            "RobotFailureLP1/features_comprehensive_imputed.csv")

    features_filtered = select_features(extracted_features, y, n_jobs=0)
    with open(os.path.join(golden.REF, "RobotFailureLP1", "selected_normal.txt")) as f:
        selected = [line.rstrip("\n") for line in f if line.strip()]
    assert sorted(features_filtered.columns) == sorted(selected)
    assert len(selected) == 671

    features_filtered_direct = extract_relevant_features(timeseries, y, column_id="id",
                                                         column_sort="time")
    assert sorted(features_filtered_direct.columns) == sorted(selected)
    pd.testing.assert_frame_equal(features_filtered_direct,
                                  features_filtered[features_filtered_direct.columns])
    assert tsfresh.extract_features is extract_features


@pytest.mark.parametrize("tag,multiclass", [("normal", False), ("y", False),
                                            ("multiclass", True)])
def test_relevance_table_equals_reference(tag, multiclass):
    X = golden.read_reference("RobotFailureLP1/features_comprehensive_imputed.csv")
    X.index.name = None
    labels = pd.read_csv(os.path.join(golden.DATA, "RobotFailureLP1", "labels.csv"))
    y = pd.Series(labels["y"].to_numpy(), index=labels["id"].to_numpy())
    if tag == "normal":
        y = y == "normal"
    table = freshet.calculate_relevance_table(X, y, multiclass=multiclass, n_jobs=0)
    ref = pd.read_csv(os.path.join(golden.REF, "RobotFailureLP1", "relevance_%s.csv" % tag),
                      float_precision="round_trip")
    assert table.index.name == "feature"
    golden.compare_relevance(table.reset_index(drop=True), ref, "relevance_" + tag)
    assert table["relevant"].dtype == bool
    if multiclass:
        assert table["n_significant"].dtype == np.int64


def test_long_wide_and_dict_inputs_agree_and_follow_tsfresh_order():
    long = golden.robot_long()
    fc = freshet.EfficientFCParameters()
    a = freshet.extract_features(long, column_id="id", column_sort="time", column_kind="kind",
                                 column_value="value", default_fc_parameters=fc, n_jobs=1)
    wide, _ = golden.robot_tsfresh_format()
    b = freshet.extract_features(wide, column_id="id", column_sort="time",
                                 default_fc_parameters=fc, n_jobs=2)
    d = {k: g[["id", "time", "value"]] for k, g in long.groupby("kind")}
    c = freshet.extract_features(d, column_id="id", column_sort="time", column_value="value",
                                 default_fc_parameters=fc, n_jobs=0)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    # Float64 value columns of one pandas block reach C++ as strided views of that block.
    kinds = ["F_x", "F_y", "F_z", "T_x", "T_y", "T_z"]
    rows = np.ascontiguousarray(wide[kinds].to_numpy(dtype=np.float64))  # C order: rows
    wide_f = pd.DataFrame(rows, columns=kinds, copy=False)
    wide_f.insert(0, "id", wide["id"].to_numpy())
    wide_f.insert(1, "time", wide["time"].to_numpy())
    assert wide_f["F_y"].to_numpy().strides == (6 * 8,)
    assert np.shares_memory(wide_f["F_y"].to_numpy(), rows)
    f = freshet.extract_features(wide_f, column_id="id", column_sort="time",
                                 default_fc_parameters=fc)
    pd.testing.assert_frame_equal(a, f)
    # tsfresh's column order: kinds in order, then the settings dict's order within a kind.
    per_kind = len(a.columns) // 6
    assert per_kind == 777
    first = [c.split("__", 1)[1] for c in a.columns[:per_kind]]
    calculators = list(dict.fromkeys(n.split("__")[0] for n in first))
    assert calculators == [k for k in fc if k != "linear_trend_timewise"]
    assert [c.split("__")[0] for c in a.columns[::per_kind]] == \
        ["F_x", "F_y", "F_z", "T_x", "T_y", "T_z"]
    # A shuffled input gives the same frame (series are sorted by the sort column).
    e = freshet.extract_features(long.sample(frac=1, random_state=1), column_id="id",
                                 column_sort="time", column_kind="kind", column_value="value",
                                 default_fc_parameters=fc)
    pd.testing.assert_frame_equal(a, e)


def test_column_order_equals_tsfresh_for_a_datetime_index():
    # research/tsfresh_columns_comprehensive.txt: tsfresh's own column order for one kind
    # "value" given a DatetimeIndex (so linear_trend_timewise runs).
    path = os.path.join(golden.SHARED, "research", "tsfresh_columns_comprehensive.txt")
    with open(path) as f:
        expected = [line.strip() for line in f if line.strip()]
    expected = [n for n in expected if "__matrix_profile__" not in n]
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"id": np.repeat([1, 2], 50), "value": rng.normal(size=100)},
                      index=pd.date_range("2020-01-01", periods=100, freq="H"))
    X = freshet.extract_features(df, column_id="id")
    assert list(X.columns) == expected


def test_gunpoint_minimal_and_string_ids():
    df = pd.read_csv(os.path.join(golden.DATA, "GunPoint", "series.csv"),
                     dtype={"kind": str, "value": "float64"})
    X = freshet.extract_features(df, column_id="id", column_sort="time", column_kind="kind",
                                 column_value="value",
                                 default_fc_parameters=freshet.MinimalFCParameters())
    golden.compare_features(X, golden.read_reference("GunPoint/features_minimal.csv"),
                            "GunPoint/features_minimal.csv")
    df["id"] = "s" + df["id"].astype(str)
    S = freshet.extract_features(df, column_id="id", column_sort="time", column_kind="kind",
                                 column_value="value",
                                 default_fc_parameters=freshet.MinimalFCParameters())
    assert S.index.dtype == object and list(S.index) == sorted("s%d" % i for i in range(200))
    np.testing.assert_array_equal(S.loc["s17"].to_numpy(), X.loc[17].to_numpy())


def test_settings_are_editable_dicts_and_from_columns_round_trips():
    s = freshet.ComprehensiveFCParameters()
    assert len(s) == 75 and s["quantile"][0] == {"q": 0.1}
    assert s["cwt_coefficients"][0]["widths"] == (2, 5, 10, 20)
    assert list(freshet.MinimalFCParameters()) == [
        "sum_values", "median", "mean", "length", "standard_deviation", "variance",
        "root_mean_square", "maximum", "absolute_maximum", "minimum"]
    del s["sample_entropy"]
    s["quantile"] = [{"q": 0.5}]
    assert "sample_entropy" in freshet.ComprehensiveFCParameters()  # a fresh copy each time
    long = golden.robot_long()
    X = freshet.extract_features(long, column_id="id", column_sort="time", column_kind="kind",
                                 column_value="value", default_fc_parameters=s)
    assert not any("sample_entropy" in c for c in X.columns)
    assert [c for c in X.columns if "__quantile" in c][:1] == ["F_x__quantile__q_0.5"]

    wanted = ["F_x__fft_coefficient__attr_\"real\"__coeff_3", "T_z__mean",
              "F_y__cwt_coefficients__coeff_1__w_5__widths_(2, 5, 10, 20)", "F_x__maximum"]
    kind_to_fc = freshet.from_columns(wanted)
    assert kind_to_fc["F_x"]["fft_coefficient"] == [{"attr": "real", "coeff": 3}]
    assert kind_to_fc["T_z"] == {"mean": None}
    Y = freshet.extract_features(long, column_id="id", column_sort="time", column_kind="kind",
                                 column_value="value", kind_to_fc_parameters=kind_to_fc)
    assert sorted(Y.columns) == sorted(wanted)
    ref = golden.read_reference("RobotFailureLP1/features_comprehensive.csv")
    golden.compare_features(Y, ref[sorted(wanted)], "from_columns")


def test_bad_input_is_a_clear_error():
    long = golden.robot_long()
    bad = long.copy()
    bad.loc[5, "value"] = np.nan
    with pytest.raises(ValueError, match="Column must not contain NaN values: value"):
        freshet.extract_features(bad, column_id="id", column_sort="time", column_kind="kind",
                                 column_value="value")
    bad = long.copy()
    bad["kind"] = bad["kind"] + "__x"
    with pytest.raises(ValueError, match="not allowed to contain '__'"):
        freshet.extract_features(bad, column_id="id", column_sort="time", column_kind="kind",
                                 column_value="value")
    with pytest.raises(ValueError, match="column_id"):
        freshet.extract_features(long)
    with pytest.raises(LookupError, match="no_such_calculator"):
        freshet.extract_features(long, column_id="id", column_sort="time", column_kind="kind",
                                 column_value="value",
                                 default_fc_parameters={"no_such_calculator": None})
    X = golden.read_reference("RobotFailureLP1/features_comprehensive.csv")
    with pytest.raises(ValueError, match="must not contain NaN"):
        freshet.select_features(X, pd.Series(np.arange(88) % 2, index=X.index))


def test_unpivoted_result_and_kind_to_fc_parameters():
    df = pd.DataFrame({"id": [1, 1, 1, 2, 2, 2], "time": [2, 1, 0, 0, 1, 2],
                       "a": [3.0, 2.0, 1.0, 4.0, 5.0, 7.0], "b": [1.0] * 6})
    fc = {"mean": None, "quantile": [{"q": 0.5}]}
    out = freshet.extract_features(df, column_id="id", column_sort="time",
                                   default_fc_parameters=fc,
                                   kind_to_fc_parameters={"b": {"length": None}}, pivot=False)
    assert out == [(1, "a__mean", 2.0), (1, "a__quantile__q_0.5", 2.0), (1, "b__length", 3.0),
                   (2, "a__mean", 16.0 / 3), (2, "a__quantile__q_0.5", 5.0),
                   (2, "b__length", 3.0)]
    last = freshet.extract_features(df, column_id="id", column_sort="time",
                                    default_fc_parameters={"last_location_of_maximum": None})
    # Rows are ordered by time within each id (id 1 is 1, 2, 3 in time order: maximum last).
    assert list(last["a__last_location_of_maximum"]) == [1.0, 1.0]


@pytest.mark.parametrize("name,series,settings", [
    ("PickupGestureWiimoteZ", "data/PickupGestureWiimoteZ/series.csv", "Comprehensive"),
    ("ItalyPowerDemand", "reference/tsfresh/ItalyPowerDemand/series_subset.csv", "Comprehensive"),
    ("PLAID", "reference/tsfresh/PLAID/series_subset.csv", "Efficient"),
])
def test_more_datasets_equal_reference(name, series, settings):
    # Unequal lengths (PickupGesture 29-361, PLAID 100-620), short series (ItalyPowerDemand 24).
    df = pd.read_csv(os.path.join(golden.SHARED, series), dtype={"kind": str, "value": "float64"})
    fc = getattr(freshet, settings + "FCParameters")()
    X = freshet.extract_features(df, column_id="id", column_sort="time", column_kind="kind",
                                 column_value="value", default_fc_parameters=fc, n_jobs=2)
    label = "%s/features_%s.csv" % (name, settings.lower())
    assert golden.compare_features(X, golden.read_reference(label), label) > 0


def test_repeated_calls_follow_every_settings_edit():
    # Settings JSON, parsed settings, plan and column order are remembered between calls; an
    # edit of the settings object (top level, nested in place, or 1 -> 1.0) must still show.
    df = pd.DataFrame({"id": [1] * 6 + [2] * 6, "time": list(range(6)) * 2,
                       "x": [1., 3, 2, 5, 4, 6, 2, 2, 3, 1, 0, 4]})
    kw = dict(column_id="id", column_sort="time")
    s = freshet.MinimalFCParameters()
    a = freshet.extract_features(df, default_fc_parameters=s, **kw)
    assert list(freshet.extract_features(df, default_fc_parameters=s, **kw).columns) == \
        list(a.columns)
    s["quantile"] = [{"q": 0.5}]
    b = freshet.extract_features(df, default_fc_parameters=s, **kw)
    assert list(b.columns) == list(a.columns) + ["x__quantile__q_0.5"]
    s["quantile"][0]["q"] = 0.25  # in place, nested
    c = freshet.extract_features(df, default_fc_parameters=s, **kw)
    assert list(c.columns)[-1] == "x__quantile__q_0.25"
    assert c["x__quantile__q_0.25"].tolist() == [2.25, 1.25]
    s["quantile"][0]["q"] = 1
    d = freshet.extract_features(df, default_fc_parameters=s, **kw)
    s["quantile"][0]["q"] = 1.0  # equal to 1 in Python, another name in tsfresh
    e = freshet.extract_features(df, default_fc_parameters=s, **kw)
    assert list(d.columns)[-1] == "x__quantile__q_1"
    assert list(e.columns)[-1] == "x__quantile__q_1.0"
    del s["quantile"], s["mean"]
    f = freshet.extract_features(df, default_fc_parameters=s, **kw)
    assert list(f.columns) == [c for c in a.columns if c != "x__mean"]
    # ids not grouped in ascending order take the general path and give the same frame
    g = freshet.extract_features(df.iloc[::-1], default_fc_parameters=s, **kw)
    pd.testing.assert_frame_equal(f, g)
