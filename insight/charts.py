"""Chart style and figure builders (pure functions returning plotly figures).

One palette for the whole product: the UK Government Analysis Function colours from
``afcharts``. Meaning is never carried by colour alone: ratings are also written as
words, and bars carry their values as text.
"""

from __future__ import annotations

import afcharts.pio_template  # noqa: F401  (registers the "afcharts" plotly template)
from afcharts.af_colours import get_af_colours

CATEGORICAL: list[str] = get_af_colours("categorical")
SEQUENTIAL: list[str] = get_af_colours("sequential", number_of_colours=5)[::-1]
FOCUS: list[str] = get_af_colours("focus")
TEMPLATE = "afcharts"

#: Display order of benchmark ratings.
RATING_ORDER = ["Better", "Higher", "Similar", "Lower", "Worse", "Not compared"]
#: Colours of benchmark ratings: dark blue for better, orange for worse, grey otherwise.
RATING_COLOURS = {
    "Better": CATEGORICAL[0],
    "Higher": CATEGORICAL[0],
    "Similar": "#BFBFBF",
    "Lower": CATEGORICAL[3],
    "Worse": CATEGORICAL[3],
    "Not compared": "#F2F2F2",
}


def sequential(n: int) -> list[str]:
    """``n`` colours (1 to 5) of the Analysis Function sequential palette, light to dark.

    Examples
    --------
    >>> sequential(3)
    ['#ADD1F1', '#2073BC', '#092135']
    """
    if not 1 <= n <= 5:
        raise ValueError(f"sequential palette has 1 to 5 colours, not {n}")
    if n == 1:
        return [SEQUENTIAL[2]]
    picks = {2: [1, 3], 3: [0, 2, 4], 4: [0, 1, 3, 4], 5: [0, 1, 2, 3, 4]}[n]
    return [SEQUENTIAL[i] for i in picks]
