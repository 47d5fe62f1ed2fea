"""Services outside every area of the place (hospitals just over the county line).

They have no group of the place, so no area can reach them "in its own group"; but they
are the nearest service for many areas. The what-if journeys start from the nearest
service wherever it lies, and a boundary penalty that no group can have is unknown, not a
failed scan.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from insight.analysis import findings
from insight.data.sources import build_from_toml
from insight.spatial import access

EXAMPLE = Path(__file__).resolve().parents[4] / "data" / "example"
#: Leisure centres in Leicester, Oxford, Cambridge, Bedford and Rugby: none in the place.
OUTSIDE = [
    ("Leicester", 52.6369, -1.1398),
    ("Oxford", 51.752, -1.2577),
    ("Cambridge", 52.2053, 0.1218),
    ("Bedford", 52.1356, -0.4685),
    ("Rugby", 52.37, -1.26),
]


def _place(tmp_path: Path, keep_inside: int):
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    rows = (EXAMPLE / "leisure_centres.csv").read_text().splitlines()
    lines = [rows[0], *rows[1 : 1 + keep_inside]]
    lines += [f"{name} leisure centre,{lat},{lon}" for name, lat, lon in OUTSIDE]
    (folder / "leisure_centres.csv").write_text("\n".join(lines) + "\n")
    place, _ = build_from_toml(folder / "place.toml", save=False)
    return place


@pytest.mark.parametrize("keep_inside", [0, 1])
def test_services_mostly_outside_the_place_scan_and_serve_the_what_if(
    tmp_path, data_root, keep_inside
):
    place = _place(tmp_path, keep_inside)
    services = place.services
    capable = services["leisure"].fillna(False).astype(bool).to_numpy()
    # The centres over the line belong to no group of the place.
    assert services.loc[capable, "lad_code"].isna().sum() == len(OUTSIDE)
    assert services.loc[capable, "lad_code"].notna().sum() == keep_inside
    # Today's journey: to the nearest leisure centre wherever it lies, outside included.
    km = access.straight_line_km(place.areas, services)
    nearest = np.nanmin(np.where(capable, km.to_numpy(float), np.nan), axis=1)
    np.testing.assert_allclose(place.areas["leisure_km"].to_numpy(float), nearest, rtol=1e-5)
    assert np.isfinite(nearest).all()  # with no centre inside, from those outside
    # The what-if: extra km when limited to one's own authority; unknown where it has none.
    extra = place.areas["leisure_penalty_lad"].to_numpy(float)
    assert np.isnan(extra).all() if keep_inside == 0 else np.isfinite(extra).any()
    # Every grouping's findings of the penalty indicator are worked out (KeyError: 0.1
    # before, when no area had a value).
    for grouping in place.groupings:
        found = findings.findings(place, "leisure_penalty_lad", grouping)
        assert all(np.isfinite(f.effect) for f in found.items)
