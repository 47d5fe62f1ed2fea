"""Floating catchment ratios (2SFCA, E2SFCA) agree with PySAL ``access`` and by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from access import Access, weights

from insight.errors import DataError
from insight.spatial import access


def _pysal(costs: pd.DataFrame, demand, supply, method: str, **kwargs) -> pd.Series:
    """The same calculation with PySAL ``access`` (the oracle), one value per area."""

    long = (
        costs.rename_axis("origin")
        .reset_index()
        .melt(id_vars="origin", var_name="dest", value_name="cost")
    )
    long = long.dropna(subset=["cost"])
    demand_df = pd.DataFrame({"geoid": costs.index, "pop": demand})
    supply_df = pd.DataFrame({"geoid": costs.columns, "beds": supply})
    with warnings.catch_warnings():  # access uses pandas idioms pandas now warns about
        warnings.simplefilter("ignore")
        model = Access(
            demand_df=demand_df, demand_index="geoid", demand_value="pop",
            supply_df=supply_df, supply_index="geoid", supply_value="beds",
            cost_df=long, cost_origin="origin", cost_dest="dest", cost_name="cost",
        )  # fmt: skip
        result = getattr(model, method)(**kwargs)
    return result.iloc[:, 0].reindex(costs.index)


@pytest.fixture
def example() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Eight areas, four services, costs 1 to 45 minutes, a few unreachable pairs."""
    rng = np.random.default_rng(7)
    costs = pd.DataFrame(
        rng.uniform(1, 45, size=(8, 4)).round(1),
        index=[f"area{i}" for i in range(8)],
        columns=["s1", "s2", "s3", "s4"],
    )
    costs.iloc[0, 3] = np.nan
    costs.iloc[5, 1] = np.nan
    demand = rng.integers(100, 5000, size=8).astype(float)
    supply = np.array([3.0, 1.0, 5.0, 2.0])
    return costs, demand, supply


def test_2sfca_hand_computed() -> None:
    # Areas a (100 people) and b (300); clinic X (2 doctors) is 5 min from a and 20 from
    # b, clinic Y (1 doctor) is 40 from both. Catchment 30 minutes:
    # R_X = 2 / (100 + 300) = 0.005; nobody is within 30 of Y, so R_Y is undefined.
    # A_a = A_b = R_X = 0.005.
    costs = pd.DataFrame({"X": [5.0, 20.0], "Y": [40.0, 40.0]}, index=["a", "b"])
    result = access.two_step_fca(costs, [100, 300], [2, 1], max_cost=30)
    assert result.service_ratio[0] == pytest.approx(0.005)
    assert np.isnan(result.service_ratio[1])
    assert result.ratio == pytest.approx([0.005, 0.005])
    # With a 50-minute catchment Y serves both too: R_Y = 1 / 400.
    wide = access.two_step_fca(costs, [100, 300], [2, 1], max_cost=50)
    assert wide.ratio == pytest.approx([0.0075, 0.0075])


def test_e2sfca_hand_computed() -> None:
    # One clinic; areas at 5, 15 and 25 minutes weigh 1, 0.68 and 0.22.
    # R = 1 / (100 * (1 + 0.68 + 0.22)) = 1 / 190; A_i = R * weight_i.
    costs = pd.DataFrame({"clinic": [5.0, 15.0, 25.0, 35.0]})
    result = access.enhanced_two_step_fca(costs, [100, 100, 100, 100])
    assert result.service_ratio[0] == pytest.approx(1 / 190)
    assert result.ratio == pytest.approx([1 / 190, 0.68 / 190, 0.22 / 190, 0.0])


@pytest.mark.parametrize("max_cost", [15, 30, 60])
def test_2sfca_agrees_with_pysal_access(example, max_cost: float) -> None:
    costs, demand, supply = example
    ours = access.two_step_fca(costs, demand, supply, max_cost=max_cost).ratio
    theirs = _pysal(costs, demand, supply, "two_stage_fca", max_cost=max_cost).to_numpy()
    reached = ~np.isnan(theirs)  # access leaves out areas with no service in reach
    np.testing.assert_allclose(ours[reached], theirs[reached], rtol=1e-12)
    assert (ours[~reached] == 0).all()


def test_e2sfca_agrees_with_pysal_access_default_bands(example) -> None:
    costs, demand, supply = example
    ours = access.enhanced_two_step_fca(costs, demand, supply).ratio
    theirs = _pysal(costs, demand, supply, "enhanced_two_stage_fca").to_numpy()
    reached = ~np.isnan(theirs)
    np.testing.assert_allclose(ours[reached], theirs[reached], rtol=1e-12)


def test_e2sfca_agrees_with_pysal_access_own_bands(example) -> None:

    costs, demand, supply = example
    bands = {20: 1.0, 40: 0.68, 60: 0.22}
    ours = access.enhanced_two_step_fca(costs, demand, supply, bands=bands).ratio
    theirs = _pysal(
        costs, demand, supply, "enhanced_two_stage_fca", weight_fn=weights.step_fn(bands)
    ).to_numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_step_weights_match_pysal_step_fn() -> None:

    bands = {10: 1, 20: 0.68, 30: 0.22}
    fn = weights.step_fn(bands)
    grid = np.array([[0.0, 5, 10, 10.5, 20, 25, 30, 30.1, 70]])
    assert access.step_weights(grid, bands)[0].tolist() == [fn(v) for v in grid[0]]


def test_floating_catchment_on_demo_thrombectomy(demo_place) -> None:
    place = demo_place
    mt = place.services["mt"].to_numpy()
    costs = place.costs.loc[:, mt]
    demand = place.areas["admissions"].fillna(0).to_numpy()
    result = access.enhanced_two_step_fca(costs, demand, bands={30: 1.0, 60: 0.68, 90: 0.22})
    assert result.ratio.shape == (len(place.areas),)
    assert (result.ratio >= 0).all()
    # Every thrombectomy centre serves some admissions within 90 minutes.
    assert np.isfinite(result.service_ratio).all()


def test_bad_lengths_and_values_are_named() -> None:
    costs = pd.DataFrame({"X": [5.0, 20.0]})
    with pytest.raises(DataError, match="demand has 3 values but there are 2 areas"):
        access.two_step_fca(costs, [1, 2, 3])
    with pytest.raises(DataError, match="supply at position 0 is -1"):
        access.two_step_fca(costs, [1, 2], [-1])
    with pytest.raises(DataError, match="must not be negative"):
        access.step_weights(costs, {10: -1})
