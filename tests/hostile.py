"""Hostile inputs shared by the fuzz tests: text for every field, and own-data places.

``TEXT`` is text a visitor can put in a URL, a form field, or (through an upload) in the
name or description of anything in a place. ``OWN_DATA`` builds files and a configuration
for each kind of hostile own-data input. Every value carries the marker host
``evil.example``, so a link or image made from input is easy to find.

Nothing here is a test.
"""

from __future__ import annotations

import copy
import functools
import io
import json
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example"
EVIL = "evil.example"

#: Text classes: name -> value. Kept short enough that every page can be driven by each.
TEXT: dict[str, str] = {
    "markdown link": f"[click me](http://{EVIL}/phish)",
    "markdown image": f"![tracker](http://{EVIL}/pixel.png)",
    "reference link": f"[x][1]\n\n[1]: http://{EVIL}/ref",
    "autolink": f"<http://{EVIL}/auto>",
    "bare url": f"http://{EVIL}/bare",
    "www url": f"www.{EVIL}",
    "email": f"someone@{EVIL}",
    "mailto": f"mailto:someone@{EVIL}",
    "html image": f'<img src="http://{EVIL}/i.png" onerror="alert(1)">',
    "html link": f'<a href="http://{EVIL}/a">a</a>',
    "script": "<script>alert(1)</script>",
    "javascript url": "[x](javascript:alert(1))",
    "latex": r"$\frac{a}{b}$ and $$x^2$$",
    "dollar": "$5 or $10",
    "streamlit colour": ":red[alarm] :material/home:",
    "markdown heading": "# Heading\n\n---",
    "emphasis": "**bold** _it_ ~~gone~~ `code`",
    "table": "| a | b |\n|---|---|\n| 1 | 2 |",
    "path traversal": "../../../etc/passwd",
    "encoded traversal": "%2e%2e%2f%2e%2e%2fetc",
    "empty": "",
    "spaces": "   ",
    "huge": "A" * 20_000,
    "right-to-left override": "abc\u202eexe.txt",
    "zero width": "N\u200bN1 1\u200dAA",
    "control": "NN1\x07\x1b[31m1AA",
    "newlines": "NN1 1AA\n\n# injected",
    "unicode": "Ynys Môn 🏥 Ñandú",
    "quote": 'King\'s Lynn "and" <West> & co',
    "template": "{{7*7}} ${7*7} %s %n {0}",
    "backslashes": "\\[not a link\\](x) \\",
    "number inf": "1e309",
    "number nan": "NaN",
}


def link_marker_free(text: str) -> bool:
    """Whether ``text`` has no reference to the evil host."""
    return EVIL not in text


# --------------------------------------------------------------------------------------
# Own data
# --------------------------------------------------------------------------------------

BASE: dict = {
    "place": {"id": "hostile", "title": "Hostile test wards"},
    "areas": {"path": "wards.geojson"},
    "groupings": [
        {
            "id": "lad",
            "title": "Local authority",
            "path": "ward_to_lad.csv",
            "area_code": "WD23CD",
            "code": "LAD23CD",
            "name": "LAD23NM",
        }
    ],
    "indicators": [{"path": "values.csv", "format": "wide", "area_code": "code"}],
}


def _wards() -> dict:
    return json.loads((EXAMPLE / "wards.geojson").read_text())


def _codes() -> list[str]:
    return [f["properties"]["WD23CD"] for f in _wards()["features"]]


def _values(rows: list[tuple[str, str]] | None = None, header: str = "code,Value") -> str:
    rows = rows or [(c, str(i % 17 + 1.5)) for i, c in enumerate(_codes())]
    return header + "\n" + "\n".join(f"{c},{v}" for c, v in rows) + "\n"


def base_files() -> dict[str, bytes]:
    """The files of the base configuration (the example wards, a lookup, one indicator)."""
    return {
        "wards.geojson": (EXAMPLE / "wards.geojson").read_bytes(),
        "ward_to_lad.csv": (EXAMPLE / "ward_to_lad.csv").read_bytes(),
        "values.csv": _values().encode(),
    }


@dataclass
class Case:
    """One hostile own-data input: its class, and how to make its files and configuration."""

    klass: str
    name: str
    make: Callable[[], tuple[dict, dict[str, bytes]]]


def _config(**changes) -> dict:
    config = copy.deepcopy(BASE)
    for key, value in changes.items():
        config[key] = value
    return config


def _with_place(**place) -> Callable[[], tuple[dict, dict[str, bytes]]]:
    def make():
        config = _config()
        config["place"] = {**config["place"], **place}
        return config, base_files()

    return make


def _with_indicator(**entry) -> Callable[[], tuple[dict, dict[str, bytes]]]:
    def make():
        config = _config()
        config["indicators"] = [{**config["indicators"][0], **entry}]
        return config, base_files()

    return make


def _with_file(name: str, content: bytes | Callable[[], bytes], **config_changes):
    def make():
        config = _config(**config_changes)
        files = base_files()
        files[name] = content() if callable(content) else content
        return config, files

    return make


def _wards_with(edit: Callable[[dict], None]) -> bytes:
    data = _wards()
    edit(data)
    return json.dumps(data).encode()


def _nan_coordinates(data: dict) -> None:
    data["features"][0]["geometry"]["coordinates"][0][1] = [float("nan"), float("nan")]


def _open_ring(data: dict) -> None:
    ring = data["features"][1]["geometry"]["coordinates"][0]
    ring.pop()
    ring.append([ring[1][0] + 0.01, ring[1][1]])


def _short_ring(data: dict) -> None:
    data["features"][2]["geometry"]["coordinates"] = [[[0, 0], [1, 1]]]


def _bowtie(data: dict) -> None:
    x, y = data["features"][3]["geometry"]["coordinates"][0][0]
    data["features"][3]["geometry"]["coordinates"] = [
        [[x, y], [x + 0.01, y + 0.01], [x + 0.01, y], [x, y + 0.01], [x, y]]
    ]


def _huge_coordinates(data: dict) -> None:
    data["features"][4]["geometry"]["coordinates"][0][0] = [1e308, -1e308]


def _null_geometry(data: dict) -> None:
    data["features"][5]["geometry"] = None


def _points(data: dict) -> None:
    for feature in data["features"]:
        ring = feature["geometry"]["coordinates"][0]
        feature["geometry"] = {"type": "Point", "coordinates": ring[0]}


def _hostile_names(data: dict) -> None:
    for feature, text in zip(data["features"], TEXT.values(), strict=False):
        feature["properties"]["WD23NM"] = text or "(blank)"


def _long_name(data: dict) -> None:
    data["features"][0]["properties"]["WD23NM"] = "N" * 2_000_000


def _duplicate_codes(data: dict) -> None:
    for feature in data["features"][:3]:
        feature["properties"]["WD23CD"] = "E05900001"


def _deep_nesting() -> bytes:
    return (
        '{"type":"FeatureCollection","features":[' + "[" * 100_000 + "]" * 100_000 + "]}"
    ).encode()


def _zip(entries: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


@functools.lru_cache(maxsize=1)
def _zip_bomb() -> bytes:
    """A zip of about 300 KB whose Shapefile expands to 300 MB (its headers say so)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("wards.shp", "w", force_zip64=True) as entry:
            block = b"\0" * (1 << 22)
            for _ in range(75):
                entry.write(block)
        archive.writestr("wards.shx", b"\0" * 100)
        archive.writestr("wards.dbf", b"\0" * 100)
        archive.writestr("wards.prj", b'PROJCS["British_National_Grid"]')
    return buffer.getvalue()


def _latin1_wards() -> bytes:
    """The wards with an accented name, saved as Latin-1 rather than UTF-8."""
    data = _wards()
    data["features"][0]["properties"]["WD23NM"] = "Ynys Môn"
    return json.dumps(data, ensure_ascii=False).encode("latin-1")


@functools.lru_cache(maxsize=1)
def _excel_entity_bomb() -> bytes:
    """An .xlsx of the indicator whose sheet declares nested XML entities ("billion laughs")."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["code", "Value"])
    for code in _codes():
        sheet.append([code, "lol"])
    plain = io.BytesIO()
    book.save(plain)
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"):
                xml = content.decode()
                xml = xml.split("?>", 1)[-1].replace(">lol<", ">&lol9;<")
                content = f'<?xml version="1.0"?><!DOCTYPE w [{entities}]>{xml}'.encode()
            archive.writestr(item, content)
    return buffer.getvalue()


@functools.lru_cache(maxsize=1)
def _wide_xlsx() -> bytes:
    """The indicator as an .xlsx of 601 columns (over the upload limit of 500 columns)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["code", *(f"Value {i}" for i in range(600))])
    for code in _codes():
        sheet.append([code, *([1.5] * 600)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


#: A place.toml nested 20,000 levels deep (Python's TOML reader recurses once a level).
DEEP_TOML = "a = " + "[" * 20_000 + "]" * 20_000 + "\n"


@functools.lru_cache(maxsize=1)
def _parquet_bomb() -> bytes:
    """A Parquet file of a few hundred KB whose columns decode to over half a gigabyte."""
    rows = 3_000_000
    table = pa.table(
        {
            "WD23CD": pa.repeat(pa.scalar("E05900001"), rows),
            "WD23NM": pa.repeat(pa.scalar("x" * 200), rows),
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd", row_group_size=rows)
    return buffer.getvalue()


def _wide_csv() -> bytes:
    header = "code," + ",".join(f"Indicator {i}" for i in range(10_000))
    rows = [c + "," + ",".join("1" for _ in range(10_000)) for c in _codes()]
    return (header + "\n" + "\n".join(rows) + "\n").encode()


def _xlsx_huge_dimension() -> bytes:
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        + "".join(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>'
            for r in range(1, 200)
        )
        + "</sheetData></worksheet>"
    )
    return _zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": sheet.encode(),
        }
    )


def _period_rows(periods: int) -> list[list]:
    """A long table of one indicator: every ward in each of ``periods`` yearly periods."""
    return [
        ["Fuel poverty", str(1000 + year), code, 10 + (year + n) % 7]
        for year in range(periods)
        for n, code in enumerate(_codes())
    ]


@functools.lru_cache(maxsize=1)
def _many_periods_csv() -> bytes:
    """5,000 periods of one indicator in a long CSV (205,000 rows: under the row limit)."""
    lines = ["indicator,period,code,value"]
    lines += [",".join(map(str, row)) for row in _period_rows(5000)]
    return ("\n".join(lines) + "\n").encode()


@functools.lru_cache(maxsize=1)
def _many_periods_xlsx() -> bytes:
    """101 periods of one indicator in a long .xlsx (one over the upload limit of 100)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["indicator", "period", "code", "value"])
    for row in _period_rows(101):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


#: A long table's indicator settings (the code column is not found from ONS names).
LONG = {"format": "long", "area_code": "code"}


def _many_rows() -> bytes:
    return ("code,Value\n" + "E05900001,1\n" * 400_000).encode()


OWN_DATA: list[Case] = [
    # ids and titles
    Case("place id", "reserved id demo", _with_place(id="demo")),
    Case("place id", "traversal id", _with_place(id="../../etc")),
    Case("place id", "5,000-character id", _with_place(id="a" * 5000)),
    Case("place id", "upper-case and spaces", _with_place(id="My Place")),
    Case("place id", "full-width letters", _with_place(id="ｐｌａｃｅ")),
    Case("place id", "number not text", _with_place(id=42)),
    Case("title", "look-alike of the demo", _with_place(title="England and Wales stroke services")),
    Case(
        "title", "demo title exactly", _with_place(title="England and Wales stroke services (demo)")
    ),
    Case(
        "title",
        "Cyrillic look-alike letters",
        _with_place(title="Еngland аnd Wаles stroke services"),
    ),
    Case("title", "markup", _with_place(title=TEXT["html image"])),
    Case("title", "latex dollars", _with_place(title=TEXT["latex"])),
    Case("title", "right-to-left override", _with_place(title=TEXT["right-to-left override"])),
    Case("title", "10 MB title", _with_place(title="T" * 10_000_000)),
    Case("title", "empty", _with_place(title="   ")),
    # indicator and grouping ids that clash with the columns every place has
    *[
        Case(
            "reserved id", f"indicator id {rid!r}", _with_indicator(columns={"Value": {"id": rid}})
        )
        for rid in ("code", "name", "geometry", "lad_code", "lad_name")
    ],
    Case(
        "grouping id",
        "grouping id 'geometry'",
        lambda: (
            _config(groupings=[{**BASE["groupings"][0], "id": "geometry"}]),
            base_files(),
        ),
    ),
    # indicator metadata
    Case(
        "indicator metadata",
        "decimals 10**30",
        _with_indicator(columns={"Value": {"id": "v", "decimals": 10**30}}),
    ),
    Case(
        "indicator metadata",
        "negative decimals",
        _with_indicator(columns={"Value": {"id": "v", "decimals": -3}}),
    ),
    Case(
        "indicator metadata",
        "multiplier 0",
        _with_indicator(columns={"Value": {"id": "v", "multiplier": 0}}),
    ),
    Case(
        "indicator metadata",
        "multiplier inf",
        _with_indicator(columns={"Value": {"id": "v", "multiplier": float("inf")}}),
    ),
    Case(
        "indicator text",
        "markup description",
        _with_indicator(
            columns={
                "Value": {
                    "id": "v",
                    "description": TEXT["markdown image"],
                    "title": TEXT["markdown link"],
                    "unit": TEXT["latex"],
                    "source": TEXT["html link"],
                }
            }
        ),
    ),
    # paths
    Case(
        "path",
        "5,000-character path",
        lambda: (_config(areas={"path": "w" * 5000 + ".geojson"}), base_files()),
    ),
    Case("path", "absolute path", lambda: (_config(areas={"path": "/etc/passwd"}), base_files())),
    Case(
        "path",
        "traversal path",
        lambda: (_config(areas={"path": "../../../etc/hostname.geojson"}), base_files()),
    ),
    Case(
        "path",
        "device",
        lambda: (_config(indicators=[{"path": "/dev/zero", "format": "wide"}]), base_files()),
    ),
    Case(
        "path",
        "home folder",
        lambda: (_config(areas={"path": "~/.ssh/id_rsa.geojson"}), base_files()),
    ),
    # boundaries
    Case(
        "geometry",
        "NaN coordinates",
        _with_file("wards.geojson", lambda: _wards_with(_nan_coordinates)),
    ),
    Case(
        "geometry", "ring not closed", _with_file("wards.geojson", lambda: _wards_with(_open_ring))
    ),
    Case(
        "geometry",
        "ring of two points",
        _with_file("wards.geojson", lambda: _wards_with(_short_ring)),
    ),
    Case(
        "geometry", "self-intersecting", _with_file("wards.geojson", lambda: _wards_with(_bowtie))
    ),
    Case(
        "geometry",
        "coordinates 1e308",
        _with_file("wards.geojson", lambda: _wards_with(_huge_coordinates)),
    ),
    Case(
        "geometry",
        "null geometry",
        _with_file("wards.geojson", lambda: _wards_with(_null_geometry)),
    ),
    Case("geometry", "points not areas", _with_file("wards.geojson", lambda: _wards_with(_points))),
    Case("geometry", "not JSON", _with_file("wards.geojson", b"\x89PNG\r\n\x1a\n garbage")),
    Case(
        "geometry",
        "empty collection",
        _with_file("wards.geojson", b'{"type":"FeatureCollection","features":[]}'),
    ),
    Case("geometry", "deeply nested arrays", _with_file("wards.geojson", _deep_nesting)),
    Case(
        "names",
        "markup in every area name",
        _with_file("wards.geojson", lambda: _wards_with(_hostile_names)),
    ),
    Case("names", "2 MB area name", _with_file("wards.geojson", lambda: _wards_with(_long_name))),
    Case(
        "names",
        "duplicate area codes",
        _with_file("wards.geojson", lambda: _wards_with(_duplicate_codes)),
    ),
    # archives
    Case(
        "archive",
        "zip bomb (300 MB of zeros)",
        lambda: (_config(areas={"path": "wards.zip"}), {**base_files(), "wards.zip": _zip_bomb()}),
    ),
    Case(
        "archive",
        "entry escaping its folder",
        lambda: (
            _config(areas={"path": "wards.zip"}),
            {
                **base_files(),
                "wards.zip": _zip(
                    {"../../evil.shp": b"x", "../../evil.shx": b"x", "../../evil.dbf": b"x"}
                ),
            },
        ),
    ),
    Case(
        "archive",
        "absolute entry",
        lambda: (
            _config(areas={"path": "wards.zip"}),
            {**base_files(), "wards.zip": _zip({"/tmp/evil.shp": b"x"})},
        ),
    ),
    Case(
        "archive",
        "link entry",
        lambda: (
            _config(areas={"path": "wards.zip"}),
            {
                **base_files(),
                "wards.zip": _zip(
                    {"w.shp": b"/etc/passwd", "w.shx": b"", "w.dbf": b""}, links=("w.shp",)
                ),
            },
        ),
    ),
    Case(
        "archive",
        "zip in a zip",
        lambda: (
            _config(areas={"path": "wards.zip"}),
            {**base_files(), "wards.zip": _zip({"inner.zip": _zip({"a.shp": b"x"})})},
        ),
    ),
    Case(
        "archive",
        "not a zip",
        lambda: (
            _config(areas={"path": "wards.zip"}),
            {**base_files(), "wards.zip": b"PK\x03\x04 broken"},
        ),
    ),
    Case(
        "archive",
        "GeoParquet bomb",
        lambda: (
            _config(areas={"path": "wards.parquet"}),
            {**base_files(), "wards.parquet": _parquet_bomb()},
        ),
    ),
    Case(
        "archive",
        "not Parquet",
        lambda: (
            _config(areas={"path": "wards.parquet"}),
            {**base_files(), "wards.parquet": b"PAR1 nothing PAR1"},
        ),
    ),
    Case(
        "archive",
        "GeoPackage garbage",
        lambda: (
            _config(areas={"path": "wards.gpkg"}),
            {**base_files(), "wards.gpkg": b"SQLite format 3\x00" + b"\xff" * 2048},
        ),
    ),
    # tables
    Case("table", "10,000 columns", _with_file("values.csv", _wide_csv)),
    Case("table", "400,000 rows", _with_file("values.csv", _many_rows)),
    Case(
        "table",
        "xlsx of a million rows",
        lambda: (
            _config(indicators=[{"path": "values.xlsx", "format": "wide", "area_code": "code"}]),
            {**base_files(), "values.xlsx": _xlsx_huge_dimension()},
        ),
    ),
    Case(
        "table",
        "xlsx that is not one",
        lambda: (
            _config(indicators=[{"path": "values.xlsx"}]),
            {**base_files(), "values.xlsx": b"PK\x03\x04 no"},
        ),
    ),
    Case("table", "binary CSV", _with_file("values.csv", b"\x00\xff\xfe" * 5000)),
    Case(
        "table",
        "Excel entity expansion",
        _with_file(
            "values.xlsx",
            _excel_entity_bomb,
            indicators=[{"path": "values.xlsx", "format": "wide", "area_code": "code"}],
        ),
    ),
    Case(
        "table",
        "601 columns in Excel",
        _with_file(
            "values.xlsx",
            _wide_xlsx,
            indicators=[{"path": "values.xlsx", "format": "wide", "area_code": "code"}],
        ),
    ),
    Case(
        "periods",
        "5,000 periods in CSV",
        _with_file("periods.csv", _many_periods_csv, indicators=[{"path": "periods.csv", **LONG}]),
    ),
    Case(
        "periods",
        "101 periods in Excel",
        _with_file(
            "periods.xlsx", _many_periods_xlsx, indicators=[{"path": "periods.xlsx", **LONG}]
        ),
    ),
    Case("encoding", "Latin-1 GeoJSON", _with_file("wards.geojson", _latin1_wards)),
    Case("table", "header only", _with_file("values.csv", b"code,Value\n")),
    Case(
        "values",
        "infinity 1e309",
        _with_file("values.csv", lambda: _values([(c, "1e309") for c in _codes()]).encode()),
    ),
    Case(
        "values",
        "inf and nan words",
        _with_file(
            "values.csv",
            lambda: _values(
                [
                    (c, ["inf", "-inf", "nan", "NaN", "Infinity"][i % 5])
                    for i, c in enumerate(_codes())
                ]
            ).encode(),
        ),
    ),
    Case(
        "values",
        "one infinity among numbers",
        _with_file(
            "values.csv",
            lambda: _values(
                [(c, "1e309" if i == 0 else str(i)) for i, c in enumerate(_codes())]
            ).encode(),
        ),
    ),
    Case(
        "values",
        "every value blank",
        _with_file("values.csv", lambda: _values([(c, "") for c in _codes()]).encode()),
    ),
    Case(
        "values",
        "formula injection",
        _with_file(
            "values.csv",
            lambda: _values([(c, '=HYPERLINK("http://evil.example")') for c in _codes()]).encode(),
        ),
    ),
    Case(
        "values",
        "huge numbers",
        _with_file("values.csv", lambda: _values([(c, "1e307") for c in _codes()]).encode()),
    ),
    Case(
        "indicators",
        "no indicators at all",
        lambda: ({k: v for k, v in _config().items() if k != "indicators"}, base_files()),
    ),
    Case(
        "indicators",
        "no row matches an area",
        _with_file("values.csv", lambda: _values([("X" + c, "1") for c in _codes()]).encode()),
    ),
    # TOML shape
    Case(
        "toml", "strings where tables go", lambda: ({"place": "x", "areas": [1, 2]}, base_files())
    ),
    Case("toml", "unknown keys", lambda: ({**_config(), "evil": {"x": 1}}, base_files())),
    Case(
        "toml",
        "nested lists as ids",
        lambda: (_config(groupings=[{"id": [["x"]], "from": "postcodes"}]), base_files()),
    ),
]
