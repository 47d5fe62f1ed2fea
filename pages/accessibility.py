"""Accessibility statement: how accessible the dashboard is, what is not, how to report a
problem, and the audit it passes (the GOV.UK model, as public-sector websites must publish)."""

import streamlit as st

from insight.explain import accessibility_statement
from ui import access
from ui.frame import frame

frame("Accessibility statement")
st.title("Accessibility statement")
contact = str(access.settings().get("contact") or "").strip() or None
for heading, text in accessibility_statement(contact):
    st.header(heading)
    st.markdown(text)
