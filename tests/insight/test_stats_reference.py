"""insight.stats against the known answers of PHEindicatormethods v2.1.0.

The expected values are PHEindicatormethods v2.1.0 test data (its ``tests/testthat``
workbooks): the small tables are transcribed below, the larger ones live in
``tests/insight/data/phe/``.  Numbers must agree to a relative tolerance of 1e-6 and
labels exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insight import stats

NAN = float("nan")
RTOL = 1e-6
DATA = Path(__file__).parent / "phe_reference"


def read_fixture(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, comment="#")


def assert_close(actual, expected) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=RTOL, atol=0
    )


# PHEindicatormethods v2.1.0 test data: byars_lower/upper and wilson_lower/upper.
BYARS_WILSON = [
    # (x, n, confidence, method, lower, upper)
    (65, NAN, 0.95, "Byars", 50.163187710459454, 82.84913854593984),
    (1045, NAN, 0.95, "Byars", 982.5932018073325, 1110.33121298565),
    (1, NAN, 0.95, "Byars", 0.01307213290150435, 5.5637555824752605),
    (65, NAN, 0.998, "Byars", 42.8802614714802, 94.00029084431802),
    (1045, NAN, 0.998, "Byars", 947.9407035610374, 1148.806160988033),
    (10, NAN, 0.998, "Byars", 2.916318374695686, 24.193724927880535),
    (65, 100, 0.95, "Wilson", 0.5525444329688797, 0.7363575175690247),
    (1045, 5000, 0.95, "Wilson", 0.19795549880013297, 0.22049130373189027),
    (0.445, 1, 0.95, "Wilson", 0.04381744772058822, 0.9334621276979156),
    (65, 100, 0.998, "Wilson", 0.4954946574070431, 0.7783540614089697),
    (1045, 5000, 0.998, "Wilson", 0.19179381799015244, 0.22731562902525818),
    (0.445, 1, 0.998, "Wilson", 0.019347006132900975, 0.9702259947019541),
    # Byars' lower limit is negative here: PHE gives NA
    (1, NAN, 0.998, "Byars", NAN, 9.362180217908362),
]

# PHEindicatormethods v2.1.0 test data: phe_proportion.
PROPORTIONS = [
    # (numerator, denominator, multiplier, value, lower95, upper95, lower99_8, upper99_8, method)
    (1, 100, 1, 0.01, 0.0017674320641406511, 0.054486196178705294, 0.000873065697299977, 0.1045544528370582, "Wilson"),
    (5, 100, 1, 0.05, 0.02154367915436798, 0.11175046923191911, 0.013865320725997183, 0.16458852282596442, "Wilson"),
    (20, 100, 1, 0.2, 0.1333669333310325, 0.28882916559315885, 0.10519162066711432, 0.3471109417008601, "Wilson"),
    (65, 100, 1, 0.65, 0.5525444329688797, 0.7363575175690247, 0.4954946574070431, 0.7783540614089697, "Wilson"),
    (9856, 12345, 1, 0.7983799108950992, 0.7912101752909069, 0.8053640073614909, 0.7869924108419063, 0.8093061412589626, "Wilson"),
    (7776456, 7564336677, 1, 0.0010280420256339154, 0.0010273201001641094, 0.0010287644578977231, 0.0010269040118442213, 0.0010291812992698397, "Wilson"),
    (222, 3215, 1, 0.06905132192846034, 0.060791690363636595, 0.07833956681383633, 0.05647101964624248, 0.08418414185270134, "Wilson"),
    (999, 3456, 1, 0.2890625, 0.27418951080009873, 0.30440389662818057, 0.26583995768074953, 0.3134475449279985, "Wilson"),
    (1, 100, 100, 1, 0.1767432064140651, 5.44861961787053, 0.0873065697299977, 10.45544528370582, "Wilson"),
    (5, 100, 100, 5, 2.154367915436798, 11.17504692319191, 1.3865320725997183, 16.458852282596443, "Wilson"),
    (20, 100, 100, 20, 13.33669333310325, 28.882916559315884, 10.519162066711433, 34.71109417008601, "Wilson"),
    (65, 100, 100, 65, 55.25444329688797, 73.63575175690247, 49.54946574070431, 77.83540614089696, "Wilson"),
    (9856, 12345, 100, 79.83799108950991, 79.1210175290907, 80.53640073614909, 78.69924108419063, 80.93061412589626, "Wilson"),
    (7776456, 7564336677, 100, 0.10280420256339154, 0.10273201001641094, 0.10287644578977231, 0.10269040118442213, 0.10291812992698397, "Wilson"),
    (222, 3215, 100, 6.905132192846033, 6.07916903636366, 7.833956681383633, 5.647101964624248, 8.418414185270134, "Wilson"),
    (999, 3456, 100, 28.90625, 27.418951080009872, 30.440389662818056, 26.583995768074953, 31.344754492799847, "Wilson"),
    (NAN, 100, 1, NAN, NAN, NAN, NAN, NAN, "Wilson"),
    (10, NAN, 1, NAN, NAN, NAN, NAN, NAN, "Wilson"),
    (NAN, NAN, 1, NAN, NAN, NAN, NAN, NAN, "Wilson"),
]  # fmt: skip

# PHEindicatormethods v2.1.0 test data: phe_rate.
RATES = [
    # (numerator, denominator, multiplier, value, lower95, upper95, lower99_8, upper99_8, method)
    (1, 100, 100, 1, 0.025317807984289897, 5.571643390938898, 0.0010005003335835344, 9.233413476451585, "Exact"),
    (5, 100, 100, 5, 1.62348639011842, 11.668332079322669, 0.739371731917839, 16.454745203680105, "Exact"),
    (20, 100, 100, 20, 12.211428834875937, 30.889880369197066, 8.922802365144193, 38.08503562504191, "Byars"),
    (65, 100, 100, 65, 50.163187710459454, 82.84913854593984, 42.8802614714802, 94.00029084431802, "Byars"),
    (9856, 12345, 100, 79.83799108950991, 78.26949058976757, 81.4300165427214, 77.37590543271052, 82.3544727709543, "Byars"),
    (7776456, 7564336677, 100, 0.10280420256339154, 0.10273196005302074, 0.10287648334092832, 0.102690317308454, 0.10291817639509068, "Byars"),
    (222, 3215, 100, 6.905132192846033, 6.026574877652675, 7.87572937087185, 5.560737695259854, 8.46104668173341, "Byars"),
    (999, 3456, 100, 28.90625, 27.14130493609052, 30.755833237378415, 26.162147596445767, 31.845604819822654, "Byars"),
    (1, 100, 100000, 1000, 25.317807984289896, 5571.643390938898, 1.0005003335835343, 9233.413476451586, "Exact"),
    (5, 100, 100000, 5000, 1623.4863901184199, 11668.332079322669, 739.3717319178389, 16454.745203680104, "Exact"),
    (20, 100, 100000, 20000, 12211.428834875936, 30889.880369197064, 8922.802365144193, 38085.03562504191, "Byars"),
    (65, 100, 100000, 65000, 50163.18771045945, 82849.13854593984, 42880.261471480204, 94000.290844318, "Byars"),
    (9856, 12345, 100000, 79837.99108950992, 78269.49058976758, 81430.01654272141, 77375.90543271053, 82354.47277095431, "Byars"),
    (7776456, 7564336677, 100000, 102.80420256339154, 102.73196005302074, 102.87648334092832, 102.690317308454, 102.91817639509068, "Byars"),
    (222, 3215, 100000, 6905.132192846034, 6026.574877652674, 7875.729370871851, 5560.737695259853, 8461.04668173341, "Byars"),
    (999, 3456, 100000, 28906.25, 27141.30493609052, 30755.833237378414, 26162.147596445768, 31845.604819822653, "Byars"),
    (NAN, 100, 100000, NAN, NAN, NAN, NAN, NAN, None),
    (10, NAN, 100000, NAN, NAN, NAN, NAN, NAN, "Byars"),
    (NAN, NAN, 100000, NAN, NAN, NAN, NAN, NAN, None),
    (250, 220, 100000, 113636.36363636365, 99984.94738532876, 128631.14487455782, 92710.00554438953, 137651.23772147458, "Byars"),
]  # fmt: skip

# PHEindicatormethods v2.1.0 test data: calculate_dsr on dsr_isr_testdata_multiarea.csv.
# (testdata_1976 is not in that input, and its 99.8% limits are wrong in the source.)
DSR_RESULTS = [
    # (area, multiplier, total_count, total_pop, value, lower95, upper95, lower99_8, upper99_8)
    ("testdata_big", 10000, 895, 8970, 1043.0247991469423, 971.770906798568, 1117.894091547925, 932.3287880219904, 1162.0595999522059),
    ("testdata_small", 10000, 91, 8970, 110.3212025300104, 87.7455767536709, 136.70882227251795, 76.36420357939879, 153.00328948244763),
    ("testdata_tiny", 10000, 9, 8970, NAN, NAN, NAN, NAN, NAN),
    ("testdata_big", 100000, 895, 8970, 10430.247991469423, 9717.709067985681, 11178.94091547925, 9323.287880219903, 11620.595999522058),
    ("testdata_small", 100000, 91, 8970, 1103.212025300104, 877.455767536709, 1367.0882227251795, 763.6420357939879, 1530.0328948244762),
    ("testdata_tiny", 100000, 9, 8970, NAN, NAN, NAN, NAN, NAN),
]  # fmt: skip

# PHEindicatormethods v2.1.0 test data: the reference population (dsr_isr_refdata).
REFERENCE_COUNTS = [10303, 2824, 0, 3615, 3641, 3490, 3789, 3213, 3031, 2771, 3089, 3490, 3595, 4745, 5514, 7125, 5694, 6210, 5757]  # fmt: skip
REFERENCE_POPULATIONS = [50520, 57173, 60213, 54659, 44345, 50128, 62163, 67423, 62899, 55463, 60479, 49974, 44140, 40888, 37239, 30819, 18136, 15325, 13918]  # fmt: skip

# PHEindicatormethods v2.1.0 test data: calculate_ISRate / calculate_ISRatio.
ISR_RESULTS = [
    # (area, kind, multiplier, observed, expected, ref_rate, value, lower95, upper95, lower99_8, upper99_8, method)
    ("testdata_big", "rate", 100000, 895, 835.8835612311743, 9349.88309221102, 10011.137622091057, 9365.91600297888, 10689.097582910616, 9008.7578618655, 11089.02718538338, "Byars"),
    ("testdata_small", "rate", 100000, 91, 835.8835612311743, 9349.88309221102, 1017.8922051511577, 819.521002506463, 1249.75926013832, 719.5132903528245, 1392.9381508991678, "Byars"),
    ("testdata_tiny", "rate", 100000, 9, 835.8835612311743, 9349.88309221102, 100.6706576523123, 46.03303513307893, 191.10426659054028, 27.43190862554234, 253.4369635219236, "Exact"),
    ("testdata_big", "rate", 1000, 895, 835.8835612311743, 93.49883092211019, 100.11137622091056, 93.6591600297888, 106.89097582910615, 90.087578618655, 110.8902718538338, "Byars"),
    ("testdata_small", "rate", 1000, 91, 835.8835612311743, 93.49883092211019, 10.178922051511577, 8.19521002506463, 12.497592601383202, 7.195132903528244, 13.929381508991677, "Byars"),
    ("testdata_tiny", "rate", 1000, 9, 835.8835612311743, 93.49883092211019, 1.006706576523123, 0.4603303513307893, 1.9110426659054027, 0.2743190862554234, 2.5343696352192358, "Exact"),
    ("testdata_big", "ratio", 1, 895, 835.8835612311743, NAN, 1.0707232939020275, 1.0017147712553987, 1.143233287249895, 0.9635155619614437, 1.1860070415876287, "Byars"),
    ("testdata_small", "ratio", 1, 91, 835.8835612311743, NAN, 0.10886683770400503, 0.08765040101829405, 0.1336657632841891, 0.07695425528392111, 0.14897920510466744, "Byars"),
    ("testdata_tiny", "ratio", 1, 9, 835.8835612311743, NAN, 0.010767049882813684, 0.004923380825095776, 0.02043921455549973, 0.0029339306550682617, 0.02710589651469021, "Exact"),
    ("testdata_big", "ratio", 100, 895, 835.8835612311743, NAN, 107.07232939020275, 100.17147712553987, 114.3233287249895, 96.35155619614437, 118.60070415876287, "Byars"),
    ("testdata_small", "ratio", 100, 91, 835.8835612311743, NAN, 10.886683770400502, 8.765040101829404, 13.366576328418912, 7.695425528392111, 14.897920510466744, "Byars"),
    ("testdata_tiny", "ratio", 100, 9, 835.8835612311743, NAN, 1.0767049882813684, 0.4923380825095776, 2.043921455549973, 0.2933930655068262, 2.710589651469021, "Exact"),
]  # fmt: skip

# PHEindicatormethods v2.1.0 test data: ISR from observed totals (95% only).
ISR_FROM_TOTALS = [
    # (kind, multiplier, observed, expected, ref_rate, value, lower95, upper95, method)
    ("rate", 100000, 895, 808.3217400918253, 9349.88309221102, 10352.493261629017, 9685.271141999323, 11053.570021432142, "Byars"),
    ("rate", 100000, 91, 835.8835612311743, 9349.88309221102, 1017.8922051511577, 819.521002506463, 1249.75926013832, "Byars"),
    ("ratio", 100, 895, 808.3217400918253, NAN, 110.72323749430866, 103.58708281676485, 118.22147841228508, "Byars"),
    ("ratio", 100, 91, 835.8835612311743, NAN, 10.886683770400502, 8.765040101829404, 13.366576328418912, "Byars"),
]  # fmt: skip


@pytest.mark.parametrize(("x", "n", "confidence", "method", "lower", "upper"), BYARS_WILSON)
def test_byars_and_wilson_limits(x, n, confidence, method, lower, upper):
    if method == "Byars":
        got_lower, got_upper = stats.byars_ci(x, confidence)
    else:
        got_lower, got_upper = stats.wilson_ci(x, n, confidence)
    if np.isnan(lower):
        assert np.isnan(got_lower)
    else:
        assert got_lower == pytest.approx(lower, rel=RTOL)
    assert got_upper == pytest.approx(upper, rel=RTOL)


@pytest.mark.parametrize(("confidence", "lower_at", "upper_at"), [(0.95, 4, 5), (0.998, 6, 7)])
@pytest.mark.parametrize(
    ("function", "table"), [("proportion_ci", PROPORTIONS), ("rate_ci", RATES)]
)
def test_proportion_and_rate_tables(function, table, confidence, lower_at, upper_at):
    for multiplier in sorted({row[2] for row in table}):
        rows = [row for row in table if row[2] == multiplier]
        numerators = [row[0] for row in rows]
        denominators = [row[1] for row in rows]
        result = getattr(stats, function)(numerators, denominators, confidence, multiplier)
        for column, position in (("value", 3), ("lower", lower_at), ("upper", upper_at)):
            expected = np.array([row[position] for row in rows])
            actual = result[column].to_numpy(dtype=float)
            np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
            assert_close(actual[~np.isnan(expected)], expected[~np.isnan(expected)])
        methods = [None if pd.isna(m) else m for m in result["method"]]
        assert methods == [row[8] for row in rows]


@pytest.fixture(scope="module")
def multiarea() -> pd.DataFrame:
    return read_fixture("dsr_isr_testdata_multiarea.csv")


@pytest.mark.parametrize("multiplier", [10000, 100000])
@pytest.mark.parametrize(("confidence", "lower_at", "upper_at"), [(0.95, 5, 6), (0.998, 7, 8)])
def test_dsr_multiarea(multiarea, multiplier, confidence, lower_at, upper_at):
    result = stats.dsr(
        multiarea["count"],
        multiarea["pop"],
        groups=multiarea["area"],
        confidence=confidence,
        multiplier=multiplier,
    )
    expected = [row for row in DSR_RESULTS if row[1] == multiplier]
    assert list(result.index) == [row[0] for row in expected]
    assert result.index.name == "area"
    assert_close(result["total_count"], [row[2] for row in expected])
    assert_close(result["total_pop"], [row[3] for row in expected])
    for column, position in (("value", 4), ("lower", lower_at), ("upper", upper_at)):
        actual = result[column].to_numpy(dtype=float)
        wanted = np.array([row[position] for row in expected])
        np.testing.assert_array_equal(np.isnan(actual), np.isnan(wanted))
        assert_close(actual[~np.isnan(wanted)], wanted[~np.isnan(wanted)])
    assert (result["method"] == "Dobson").all()
    assert result.loc["testdata_tiny", "note"] == "dsr not calculated for total count < 10"
    assert result[["note"]].drop("testdata_tiny")["note"].isna().all()


@pytest.mark.parametrize(("confidence", "lower_at", "upper_at"), [(0.95, 7, 8), (0.998, 9, 10)])
@pytest.mark.parametrize(("kind", "multiplier"), [("rate", 100000), ("rate", 1000), ("ratio", 1), ("ratio", 100)])  # fmt: skip
def test_isr_multiarea(multiarea, kind, multiplier, confidence, lower_at, upper_at):
    result = stats.indirect_standardised_ratio(
        multiarea["count"],
        multiarea["pop"],
        REFERENCE_COUNTS,
        REFERENCE_POPULATIONS,
        groups=multiarea["area"],
        kind=kind,
        confidence=confidence,
        multiplier=multiplier,
    )
    expected = [row for row in ISR_RESULTS if row[1] == kind and row[2] == multiplier]
    assert list(result.index) == [row[0] for row in expected]
    assert_close(result["observed"], [row[3] for row in expected])
    assert_close(result["expected"], [row[4] for row in expected])
    if kind == "rate":
        assert_close(result["reference_rate"], [row[5] for row in expected])
    else:
        assert result["reference_rate"].isna().all()
    assert_close(result["value"], [row[6] for row in expected])
    assert_close(result["lower"], [row[lower_at] for row in expected])
    assert_close(result["upper"], [row[upper_at] for row in expected])
    assert list(result["method"]) == [row[11] for row in expected]


def test_isr_from_observed_totals():
    for (
        kind,
        multiplier,
        observed,
        expected,
        ref_rate,
        value,
        lower,
        upper,
        method,
    ) in ISR_FROM_TOTALS:
        reference_rate = ref_rate / multiplier if kind == "rate" else None
        result = stats.standardised_ratio_ci(
            observed, expected, 0.95, multiplier, reference_rate=reference_rate
        )
        assert_close(result[["value", "lower", "upper"]].iloc[0], [value, lower, upper])
        assert result["method"].iloc[0] == method


def test_isr_observed_totals_argument(multiarea):
    """calculate_ISRate(observed_totals=...) for testdata_small (Area2 in PHE's table)."""
    small = multiarea[multiarea["area"] == "testdata_small"]
    result = stats.indirect_standardised_ratio(
        None,
        small["pop"],
        REFERENCE_COUNTS,
        REFERENCE_POPULATIONS,
        groups=small["area"],
        observed=pd.Series({"testdata_small": 91}),
        kind="rate",
    )
    row = ISR_FROM_TOTALS[1]
    assert_close(result.loc["testdata_small", ["expected", "value", "lower", "upper"]], [row[3], *row[5:8]])  # fmt: skip


@pytest.fixture(scope="module")
def funnel_inputs() -> pd.DataFrame:
    return read_fixture("funnel_prop_inputs.csv")


def test_funnel_proportion_points_and_limits(funnel_inputs):
    outputs = read_fixture("funnel_prop_outputs.csv")
    assert len(funnel_inputs) == 303 and len(outputs) == 100
    baseline = funnel_inputs["numerator"].sum() / funnel_inputs["denominator"].sum()
    assert baseline * 100 == pytest.approx(80.642448, abs=5e-7)

    points = stats.funnel_points(funnel_inputs["denominator"])
    np.testing.assert_array_equal(points, outputs["Population"].to_numpy(dtype=float))

    limits = stats.funnel_limits(points, baseline, "proportion", multiplier=100)
    assert list(limits.columns) == [
        "denominator",
        "baseline",
        "lower_95",
        "upper_95",
        "lower_99_8",
        "upper_99_8",
    ]
    assert_close(limits["baseline"], outputs["baseline"])
    for mine, theirs in [
        ("lower_95", "lower_2s_limit"),
        ("upper_95", "upper_2s_limit"),
        ("lower_99_8", "lower_3s_limit"),
        ("upper_99_8", "upper_3s_limit"),
    ]:
        assert_close(limits[mine], outputs[theirs])


def test_funnel_proportion_significance(funnel_inputs):
    labels = stats.funnel_significance(
        funnel_inputs["numerator"], funnel_inputs["denominator"], "proportion"
    )
    assert isinstance(labels, pd.Series)
    assert labels.tolist() == funnel_inputs["significance"].tolist()


def test_funnel_ratio_significance():
    inputs = read_fixture("funnel_ratio_inputs.csv")
    assert len(inputs) == 300
    labels = stats.funnel_significance(inputs["obs"], inputs["expected"], "ratio")
    assert labels.tolist() == inputs["significance"].tolist()
    assert set(labels) == set(stats.FUNNEL_LABELS)
