"""The service's use cases behind the app's pages (areas, maps, slides, decks): each reads its
place through the front end's :class:`Places`, and gives what the engine gives."""

from __future__ import annotations

import pandas as pd
import pytest

from insight import service
from insight.analysis import benchmark, profile
from insight.errors import DataError
from insight.explain import PLACE_UNAVAILABLE
from insight.present.slides import SlideItem
from insight.spatial.index import AreaIndex

pytestmark = pytest.mark.slow


class Counting(service.Places):
    """The demo, already open, counting how often a use case asks for it."""

    def __init__(self, place, index) -> None:
        super().__init__()
        self._place, self._index, self.asked = place, index, 0

    def place(self, place_id: str):
        assert place_id == "demo"
        self.asked += 1
        return self._place

    def index(self, place_id: str) -> AreaIndex:
        return self._index


@pytest.fixture(scope="module")
def places(demo_place) -> Counting:
    return Counting(demo_place, AreaIndex.for_place(demo_place))


def test_area_use_cases_read_the_front_ends_place_and_agree_with_the_engine(
    demo_place, places
) -> None:
    code = demo_place.example_group("lad")
    asked = places.asked
    touching = service.touching("demo", "lad", code, places=places)
    assert touching and code not in touching
    assert touching == places.index("demo").touching_groups("lad_code", code)
    spine = service.spine("demo", "lad", code, places=places)
    assert spine.equals(benchmark.spine(demo_place, "lad", code))
    shown = service.area_profile("demo", 0, "lad", places=places)
    assert list(shown["indicator"]) == list(demo_place.indicators)
    assert service.nation_note("demo", 0, shown, places=places) == profile.nation_note(
        demo_place, 0, shown
    )
    assert places.asked > asked  # every one of them asked the front end for the place


def test_a_postcode_pins_the_map_and_chooses_the_group(demo_place, places) -> None:
    found = service.locate("demo", "NN1 1AA", places=places)
    pin, sentence = service.postcode_pin("demo", "NN1 1AA", places=places)
    assert (pin.easting, pin.northing, pin.area_code) == (
        found.easting, found.northing, found.area_code
    )  # fmt: skip
    assert "NN1 1AA" in sentence
    group = service.default_group("demo", "lad", "NN1 1AA", places=places)
    assert group == demo_place.areas.iloc[found.area_index]["lad_code"]
    # A postcode that cannot be placed: no pin, the place's example group (no error)
    assert service.postcode_pin("demo", "ZZ9 9ZZ", places=places) is None
    assert service.default_group("demo", "lad", "ZZ9 9ZZ", places=places) == (
        demo_place.example_group("lad")
    )


def test_a_maps_average_is_the_benchmark_nationally_and_its_groups_mean_locally(
    demo_place, places
) -> None:
    national = benchmark.compare_groups(demo_place, "mt_minutes", demo_place.default_grouping)
    assert service.map_average("demo", "mt_minutes", None, places=places) == (
        pytest.approx(national.benchmark),
        national.benchmark_name,
    )
    code = demo_place.example_group("lad")
    value, name = service.map_average("demo", "mt_minutes", ("lad", (code,)), places=places)
    assert name is None
    assert value == pytest.approx(
        benchmark.compare_groups(demo_place, "mt_minutes", "lad")
        .table.set_index("code")
        .loc[code, "value"]
    )


def test_a_findings_map_and_slide_are_of_the_finding_asked_for(places) -> None:
    found = service.pair_findings("demo", "mt_minutes", "isdn", places=places)
    first = found.by_rank(1)
    drawn = service.finding_map("demo", "mt_minutes", "isdn", 1, places=places)
    flagged = drawn.table.loc[drawn.table["In the map as"].str.contains("in this finding"), "Code"]
    assert len(flagged) and set(flagged) <= set(first.area_codes)
    slide = service.finding_slide("demo", first, date="1 June 2026", picture_dpi=72, places=places)
    assert slide.sentence == first.sentence
    assert isinstance(slide.figure, bytes) and slide.figure[:4] == b"\x89PNG"  # drawn once


def test_a_deck_of_items_is_a_file_of_their_slides(demo_place, places) -> None:
    code = str(demo_place.areas["code"].iloc[0])
    item = SlideItem("area", "mt_minutes", "lad", area_code=code)
    assert service.item_slide("demo", item, places=places).title
    assert service.deck("demo", [item], "pdf", date="1 June 2026", places=places)[:4] == b"%PDF"
    with pytest.raises(DataError, match="no slides"):
        service.deck("demo", [], "pdf", places=places)


def test_a_problem_opening_a_place_shows_no_path_and_tells_visitors_nothing_technical() -> None:
    message = "Cannot read /srv/place-insight/data/cache/demo/areas.parquet: damaged."
    assert service.problem_shown(message, can_write=True) == "Cannot read areas.parquet: damaged."
    assert service.problem_shown(message, can_write=False) == PLACE_UNAVAILABLE


def test_what_every_area_shares_is_worked_out_once_and_gives_the_same_profile(
    demo_place, places
) -> None:
    # Berwick (near Scotland) and Cardiff (compared with England): a caller that keeps
    # the place's other nations and benchmark coverages gets the profile and note of
    # one area worked out alone.
    near = service.elsewhere_by_area("demo", places=places)
    coverages = service.benchmark_coverages("demo", places=places)
    assert set(coverages) == set(demo_place.indicators)
    assert {nation for nation, _ in near.values()} == {"Scotland"}
    for postcode in ("TD15 1AA", "CF10 1EP", "NN1 1AA"):
        row = service.locate("demo", postcode, places=places).area_index
        alone = service.area_profile("demo", row, "lad", places=places)
        kept = service.area_profile("demo", row, "lad", places=places, elsewhere=near)
        pd.testing.assert_frame_equal(alone, kept)
        note = service.nation_note("demo", row, kept, places=places, coverages=coverages)
        assert note == service.nation_note("demo", row, alone, places=places)
        assert (note != "") == postcode.startswith("CF")
    assert service.benchmark_notes("demo", places=places) == " ".join(
        sorted({n for _, n in coverages.values() if n})
    )
