"""Place Insight: how outcomes and service provision vary between small areas.

The package is plain Python (it never imports Streamlit) so that every figure the
dashboard shows can be computed, tested and scripted without a browser.
"""

__version__ = "0.1.0"
