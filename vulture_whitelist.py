"""What vulture (the dead-code check in tests/test_layers.py) reports that is not dead.

Each name here is used by code vulture cannot see: a library reading an attribute we set,
pydantic and FastAPI reading a model's fields, the findings store and the benchmarks reading
a result's fields. ``python -m vulture`` reads it with the
code (settings in pyproject.toml [tool.vulture]); it is parsed, never run. Add a name only
with the reason it is used; dead code is deleted instead.
"""

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet
from pptx.parts.coreprops import CorePropertiesPart
from pptx.presentation import Presentation
from pptx.text.text import TextFrame, _Paragraph

from insight.analysis.findings import Finding
from insight.analysis.scan import TaskResult
from insight.api.models import Lookup, Trend, _Answer
from insight.spatial.contiguity import Contiguity
from insight.stats import Overdispersion

# insight/api/models.py: pydantic reads model_config; the fields are the API's JSON answer
# (FastAPI serialises each model, openapi.json describes it), so no code reads them by name.
_ = (
    _Answer.model_config,
    Trend.total_areas,
    Lookup.postcode_lad_code,
    Lookup.lsoa_code,
    Lookup.lsoa_name,
    Lookup.placed_in_nearest_area,
    Lookup.lad_name,
)

# insight/present/files.py and slides.py: settings of the workbook and the deck, read by
# openpyxl and python-pptx when they write the file.
_ = (
    Worksheet.freeze_panes,
    Cell.alignment,
    Presentation.slide_width,
    Presentation.slide_height,
    CorePropertiesPart.author,
    TextFrame.word_wrap,
    TextFrame.auto_size,
    TextFrame.vertical_anchor,
    _Paragraph.line_spacing,
    _Paragraph.alignment,
)

# Fields of results: the findings store's columns (insight/analysis/findings.py COLUMNS) and
# the API's findings, the scan's figures bench/bench_scan.py reports, and documented
# attributes of a result (numpydoc) that tests read; no code of the app reads them by name.
_ = (
    Finding.benchmark_label,
    Finding.affected_label,
    Finding.adjusted_effect,
    Finding.adjusted_lower,
    Finding.adjusted_upper,
    TaskResult.loaded_place,
    TaskResult.peak_mb,
    TaskResult.cpu_seconds,
    Contiguity.joined_to,
    Contiguity.n_components,
    Contiguity.cardinalities,
    Overdispersion.n_units,
)
