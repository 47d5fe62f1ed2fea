"""What vulture (the dead-code check in tests/test_layers.py) reports that is not dead.

Each name here is used by code vulture cannot see: a library reading an attribute we set,
pydantic and FastAPI reading a model's fields. ``python -m vulture`` reads it with the
code (settings in pyproject.toml [tool.vulture]); it is parsed, never run. Add a name only
with the reason it is used; dead code is deleted instead.
"""

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet
from pptx.parts.coreprops import CorePropertiesPart
from pptx.presentation import Presentation
from pptx.text.text import TextFrame, _Paragraph

from insight.api.models import Lookup, Trend, _Answer

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
