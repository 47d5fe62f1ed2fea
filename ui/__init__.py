"""Streamlit glue shared by the pages: cached loaders, URL state, small render helpers.

Everything that computes lives in :mod:`insight`; this package only connects it to Streamlit.
"""
