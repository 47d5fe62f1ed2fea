"""Present: meeting mode. One finding per slide in large type, ready for a committee.

The slides are the strongest findings across every indicator and grouping (the default,
tested differences first), the ranked findings of one indicator and grouping, or the
items added to "your presentation" from other pages (opened on the slide added last, and
in the URL, ``?deck=own&items=...``, so that its link shares it). Previous / next with the
buttons or the arrow keys; the slide number is in the URL (``?slide=3``); the whole deck
downloads as PowerPoint, PDF or PNG images.
"""

import datetime as dt

import streamlit as st

from insight import explain
from insight.errors import InsightError
from insight.explain import escape_markdown, html_text
from insight.present import slides
from ui import loaders, presentation, state
from ui.frame import frame

STRONGEST, FINDINGS, OWN = "strongest", "findings", "own"
LIMITS = ["3", "5", "10"]


place = frame("Present")
today = f"{dt.date.today().day} {dt.date.today():%B %Y}"
# A presentation that came with a link (the frame made it this session's own)
from_link = presentation.take_from_link()
if from_link and from_link.get("problem"):
    st.warning(escape_markdown(from_link["problem"]))
    from_link = None
if from_link:
    if from_link["fitting"] < from_link["slides"]:
        left_out = from_link["slides"] - from_link["fitting"]
        st.info(escape_markdown(explain.deck_link_left_out(left_out, place.title)))
    elif from_link["fitting"]:
        st.info(escape_markdown(explain.deck_opened_from_link(from_link["fitting"])))
own_items = presentation.presentation_items()
best = loaders.strongest_findings(place.id)
added_elsewhere = presentation.wants_own_deck()  # just added on another page: show it
if added_elsewhere:
    state.put("deck", OWN)

# Settings
with st.sidebar:
    st.header("Presentation")
    decks = [FINDINGS, OWN] if best is None else [STRONGEST, FINDINGS, OWN]
    asked_for_pair = any(name in st.query_params for name in ("indicator", "grouping"))
    source = state.select(
        "Show",
        "deck",
        decks,
        OWN if from_link else FINDINGS if asked_for_pair else decks[0],
        move=added_elsewhere,
        format_func={
            STRONGEST: "The strongest findings across everything",
            FINDINGS: "Top findings of one indicator and boundary",
            OWN: f"Your presentation ({len(own_items)})",
        }.get,
        container=st.sidebar,
    )
    if source == FINDINGS:
        featured_indicator, featured_grouping = place.featured_pair()
        indicator_id = state.select_indicator(place, featured_indicator)
        grouping_id = state.select_grouping(place, "Boundaries", featured_grouping)
    if source != OWN:
        limit = int(
            state.select(
                "Findings",
                "limit",
                LIMITS,
                "5",
                format_func=lambda n: f"Top {n}",
                container=st.sidebar,
            )
        )
    st.caption("Keys: → next slide, ← previous slide.")
presentation.put_items(own_items)  # the link shares the presentation, whichever deck is shown

# Compute: how many slides, and the one shown
try:
    if source == STRONGEST:
        total = min(limit, len(best))
        deck_key = (STRONGEST, total)
    elif source == FINDINGS:
        found = loaders.ranked_findings(place.id, indicator_id, grouping_id)
        total = min(limit, len(found))
        deck_key = (FINDINGS, indicator_id, grouping_id, total)
    else:
        total = len(own_items)
        deck_key = (OWN,)
except InsightError as error:
    st.error(escape_markdown(str(error)))
    st.stop()

if total == 0:
    st.title("Present")
    if source == STRONGEST:
        st.info("No postcode lotteries were found in this place.")
    elif source == FINDINGS:
        st.info(
            "No postcode lotteries were found for "
            f"{escape_markdown(place.indicator(indicator_id).title.lower())} by "
            f"{escape_markdown(place.grouping(grouping_id).plural)}. Try another indicator or "
            "boundary in the sidebar."
        )
    else:
        st.info(explain.DECK_EMPTY)
    st.stop()

# Your presentation opens on the slide just added; another new deck starts at its first
# slide; otherwise the slide comes from the URL.
just_added = presentation.take_just_added() if source == OWN else None
if just_added is not None:
    st.session_state["present_deck"] = deck_key
    state.put("slide", str(just_added + 1))
elif st.session_state.get("present_deck") != deck_key:
    st.session_state["present_deck"] = deck_key
    if st.session_state.get("present_seen"):
        state.put("slide", "1")
st.session_state["present_seen"] = True
numbers = [str(n) for n in range(1, total + 1)]
current = int(state.get("slide", numbers, "1"))
state.put("slide", str(current))


def build(position: int) -> slides.Slide:
    """Slide ``position`` (0-based) of the deck shown."""
    if source == STRONGEST:
        return loaders.strongest_slide(place.id, position, today)
    if source == FINDINGS:
        return loaders.finding_slide(place.id, indicator_id, grouping_id, position, today)
    return loaders.item_slide(place.id, own_items[position], today)


def go(number: int) -> None:
    state.put("slide", str(number))


try:
    slide = build(current - 1)
except InsightError as error:
    st.error(escape_markdown(str(error)))
    st.stop()

# Render: the slide
st.markdown(
    """<style>
h1.slide-title{color:#12436D;font-weight:700;font-size:clamp(1.1rem,1.7vw,1.7rem)!important;
line-height:1.25!important;margin:0!important;padding:0!important}
.slide-sentence{font-size:clamp(1.25rem,2.6vw,2.6rem)!important;line-height:1.3!important;
margin:.3rem 0 1rem 0;color:#0B0C0C}
.slide-count{color:#505A5F;font-size:1rem;text-align:right;margin:0}
@media (max-width:640px){.st-key-slide_wide{display:none!important}}
@media (min-width:641px){.st-key-slide_narrow{display:none!important}}
</style>""",
    unsafe_allow_html=True,
)
head, count = st.columns([6, 1])
head.markdown(
    f'<h1 class="slide-title">{html_text(slide.title)}</h1>',
    unsafe_allow_html=True,
)
count.markdown(f'<div class="slide-count">Slide {current} of {total}</div>', unsafe_allow_html=True)
st.markdown(
    f'<div class="slide-sentence">{html_text(slide.sentence)}</div>',
    unsafe_allow_html=True,
)
# The whole picture on a wide screen; on a phone its map and its chart one above the other,
# each twice the size the whole picture would be there (the CSS above picks one).
with st.container(key="slide_wide"):
    st.image(slide.png(), alt=slide.alt, width="stretch")
with st.container(key="slide_narrow"):
    map_panel, chart_panel = loaders.slide_panels(slide.png())
    st.image(map_panel, alt=slide.alt, width="stretch")
    st.image(
        chart_panel, alt="The chart of this slide (described with the map above).", width="stretch"
    )
st.caption(
    f"{escape_markdown(slide.source)} {escape_markdown(slide.attribution)} Produced {slide.date}."
)
with st.expander("What the map and chart show (text description)"):
    st.markdown(escape_markdown(slide.alt))

# Navigation
previous, middle, following = st.columns([1, 2, 1])
previous.button(
    "Previous",
    icon=":material/arrow_back:",
    key="slide_previous",
    on_click=go,
    args=(current - 1,),
    disabled=current <= 1,
    shortcut="Left",
    width="stretch",
)
following.button(
    "Next",
    icon=":material/arrow_forward:",
    icon_position="right",
    key="slide_next",
    on_click=go,
    args=(current + 1,),
    disabled=current >= total,
    shortcut="Right",
    width="stretch",
    type="primary",
)
with middle:
    if source != OWN:
        finding = (best if source == STRONGEST else found).items[current - 1]
        presentation.add_button(
            slides.SlideItem.of_finding(finding), key=f"add_{current}", open_deck=False
        )
    elif st.button("Remove this slide", icon=":material/delete:", key=f"remove_{current}"):
        presentation.remove_from_presentation(current - 1)
        state.put("slide", str(max(1, current - 1)))
        st.rerun()


# Downloads: the whole deck, built when asked for
def deck() -> list[slides.Slide]:
    return [build(position) for position in range(total)]


stem = {
    STRONGEST: "place-insight-strongest",
    FINDINGS: f"place-insight-{indicator_id}-{grouping_id}" if source == FINDINGS else "",
    OWN: "place-insight-presentation",
}[source]
st.subheader("Download the presentation")
pptx_col, pdf_col, png_col = st.columns(3)
pptx_col.download_button(
    "PowerPoint (.pptx)",
    data=lambda: slides.slides_to_pptx(deck()),
    file_name=f"{stem}.pptx",
    mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
    icon=":material/slideshow:",
    key="download_pptx",
    on_click="ignore",
)
pdf_col.download_button(
    "PDF",
    data=lambda: slides.slides_to_pdf(deck()),
    file_name=f"{stem}.pdf",
    mime="application/pdf",
    icon=":material/picture_as_pdf:",
    key="download_pdf",
    on_click="ignore",
)
png_col.download_button(
    "Images (.zip of PNG, 1920 × 1080)",
    data=lambda: slides.slides_to_png_zip(deck(), stem="slide"),
    file_name=f"{stem}-png.zip",
    mime="application/zip",
    icon=":material/image:",
    key="download_png",
    on_click="ignore",
)
st.caption(
    "Every slide carries its source, the licence attribution and the date. The PowerPoint "
    "keeps the text editable; each picture has a text description for screen readers."
)
