"""The offline template drafter: a rule-based stand-in for an LLM, and the default one.

It reads a plain-language description for a duration, customer segments and the phases it names
(see offline_phases.py), and assembles a template document from our own catalogue. It never
calls out, never guesses at random (same description, same draft) and never copies the user's
words into a field that is checked for merge fields: only the template's name and description
carry user text, and neither is ever sent to a customer.
"""

from __future__ import annotations

import copy
import functools
import math
import re
import unicodedata
from typing import Any, NamedTuple

from stitch.templates.adapters.offline_phases import (DEFAULT_PHASES, ENTERPRISE_DEFAULT_PHASES, PHASES, SLACK_WORDS,
                                                      SYSTEMS, Phase)
from stitch.templates.domain.content import COLLECT_INFO
from stitch.templates.domain.plan import DESCRIPTION_MAX, NAME_MAX
from stitch.templates.domain.template import TAGS_MAX

READ_MAX = 100_000  # characters of the description looked at; the endpoint should refuse far longer bodies
WEEKS_MIN, WEEKS_MAX, MILESTONE_DAYS_MAX = 1, 104, 365
STANDARD_WEEKS, QUICK_START_WEEKS = 8, 3
SUMMARY_WORDS, SUMMARY_MAX = 8, 60


class Segment(NamedTuple):
    tag: str
    label: str
    words: tuple[str, ...]
    weeks: int  # the usual length of an onboarding for this segment, when the description gives none


# Largest customers first. A description naming several segments gets all of them, and the longest
# of their usual durations.
SEGMENTS = (
    Segment("enterprise", "Enterprise", ("enterprises?", r"large (?:accounts?|customers?|companies|organi[sz]ations?)",
                                         "fortune (?:500|1000)", "strategic accounts?", "global accounts?"), 14),
    Segment("mid-market", "Mid-Market", (r"mid[ -]?market", r"mid[ -]?sized?", "medium-sized?"), 10),
    Segment("smb", "SMB", ("smbs?", r"small (?:and medium(?:-sized)? )?business(?:es)?", "small companies",
                           "small teams?"), 6),
    Segment("startup", "Startup", (r"start-?ups?",), 4),
    Segment("self-serve", "Self-serve", (r"self-?serve", r"self-?service", "product-led", "plg", "low-touch",
                                         "tech-touch"), 3),
)
QUICK_START_WORDS = (r"quick[ -]?start", r"fast[ -]?track(?:ed)?", "express", "rapid", "lightweight", "light-touch")

# -- durations ------------------------------------------------------------------------------------
_NUMBER_WORDS = {
    "a couple of": 2, "couple of": 2, "a few": 3, "few": 3, "several": 4, "half a": 0.5, "half an": 0.5,
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "eighteen": 18, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "sixty": 60,
    "ninety": 90,
}
_WEEKS_PER_UNIT = {"week": 1, "wk": 1, "month": 52 / 12, "mo": 52 / 12, "quarter": 13, "year": 52, "yr": 52}
_NUMBER = "(?:[0-9]{1,6}(?:\\.[0-9]{1,2})?|" + "|".join(
    re.escape(w) for w in sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
# "6 weeks", "six-week", "90 days", "a month", and ranges: "12-16 weeks", "12 to 16 weeks", "between 2 and 3 months".
_DURATION = re.compile(rf"\b({_NUMBER})(?:\s*(?:-|to|or|and)\s*({_NUMBER}))?[\s-]*"
                       r"(day|week|wk|month|mo|quarter|year|yr)s?\b")
# "every 2 weeks", "once a week": a cadence, not the length of the onboarding.
_CADENCE = re.compile(r"\b(?:every|each|per|once|twice|times)\W*$")
_CADENCE_LOOKBACK = 20


class OfflineTemplateDrafter:
    """Implements the application's TemplateDrafter port without any network or model."""

    name = "offline"
    version = "1"

    def draft_template(self, description: str) -> dict[str, Any]:
        cleaned = clean_text(description)
        text = _for_matching(cleaned)
        segments = [s for s in SEGMENTS if _mentions(text, s.words)]
        quick_start = _mentions(text, QUICK_START_WORDS)
        weeks = stated_weeks(text) or _default_weeks(segments, quick_start)
        phases = _phases(text, enterprise=any(s.tag == "enterprise" for s in segments))
        days = spread_days(weeks * 7, [p.weight for p in phases])
        return {
            "name": _name(cleaned, segments, quick_start),
            "description": _shorten(cleaned, DESCRIPTION_MAX),
            "duration_weeks": weeks,
            "segment": ", ".join(s.label for s in segments),
            "tags": _tags(text, segments, quick_start, phases),
            "milestones": [_milestone(phase, text, d) for phase, d in zip(phases, days, strict=True)],
        }


# -- reading the description ----------------------------------------------------------------------
_BIDI_CONTROLS = frozenset(map(chr, (*range(0x202A, 0x202F), *range(0x2066, 0x206A))))


def clean_text(text: str) -> str:
    """Control characters dropped, whitespace collapsed to single spaces.

    Bidirectional overrides go too: they can make a name display as something else than it is.
    """
    kept = "".join(ch for ch in text[:READ_MAX]
                   if ch.isspace() or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in _BIDI_CONTROLS))
    return " ".join(kept.split())


def _for_matching(cleaned: str) -> str:
    # Hyphens, en and em dashes and the minus sign all read as "-": the catalogue spells each word once.
    return re.sub(r"[\u2010-\u2015\u2212]", "-", cleaned.casefold())


@functools.cache
def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b")


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    return bool(words) and _words(words).search(text) is not None


def stated_weeks(text: str) -> int | None:
    """The onboarding's length in whole weeks (1-104), or None if the text gives none.

    Of several durations, the longest wins: the shorter ones usually describe a phase of it. Of a
    range, the upper end wins: a template should fit the slower customers; finishing early is fine.
    """
    longest = 0
    for match in _DURATION.finditer(text):
        if _CADENCE.search(text, max(0, match.start() - _CADENCE_LOOKBACK), match.start()):
            continue
        amount = max(_amount(match.group(1)), _amount(match.group(2)))
        longest = max(longest, _in_weeks(amount, match.group(3)))
    return max(WEEKS_MIN, min(WEEKS_MAX, longest)) if longest > 0 else None


def _amount(number: str | None) -> float:
    if number is None:
        return 0.0
    return float(_NUMBER_WORDS[number]) if number in _NUMBER_WORDS else float(number)


def _in_weeks(amount: float, unit: str) -> int:
    # Days round up (10 days needs a second week); longer units round to the nearest week.
    if unit == "day":
        return math.ceil(amount / 7 - 1e-9)
    return math.floor(amount * _WEEKS_PER_UNIT[unit] + 0.5)


def _default_weeks(segments: list[Segment], quick_start: bool) -> int:
    if quick_start:
        return QUICK_START_WEEKS
    return max((s.weeks for s in segments), default=STANDARD_WEEKS)


def _phases(text: str, *, enterprise: bool) -> list[Phase]:
    """The anchors (kickoff, go-live) and the phases named, in the catalogue's order; a standard plan if none."""
    named = [p.key for p in PHASES if not p.always and
             (_mentions(text, p.words) or any(_mentions(text, s.words) for s in p.systems))]
    wanted = named or (ENTERPRISE_DEFAULT_PHASES if enterprise else DEFAULT_PHASES)
    return [p for p in PHASES if p.always or p.key in wanted]


# -- writing the draft ----------------------------------------------------------------------------
def spread_days(total_days: int, weights: list[int]) -> list[int]:
    """Split the onboarding's days over milestones by weight, so that they add up to the total.

    Largest remainders get the leftover days, so the split is exact and the same every time. A
    milestone over the 365-day limit (only in very long plans) is capped and the rest re-split.
    Each milestone gets at least a day, even when there are more milestones than days.
    """
    total_weight = sum(weights)
    days = [total_days * w // total_weight for w in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total_days * weights[i] % total_weight), i))
    for i in by_remainder[:total_days - sum(days)]:
        days[i] += 1
    uncapped = [i for i, d in enumerate(days) if d <= MILESTONE_DAYS_MAX]
    if 0 < len(uncapped) < len(days):
        spare = total_days - MILESTONE_DAYS_MAX * (len(days) - len(uncapped))
        for i, d in zip(uncapped, spread_days(spare, [weights[i] for i in uncapped]), strict=True):
            days[i] = d
    return [min(max(d, 1), MILESTONE_DAYS_MAX) for d in days]


def _milestone(phase: Phase, text: str, days: int) -> dict[str, Any]:
    named = [s.name for s in phase.systems if _mentions(text, s.words)]
    systems = _listing(named) or phase.systems_fallback
    actions = [copy.deepcopy(step.action) for step in phase.steps if not step.when or _mentions(text, step.when)]
    for action in actions:  # the systems the customer named come first in "which system?" questions
        for field in action["content"]["fields"] if action["type"] == COLLECT_INFO else ():
            if field["key"] == "systems":
                field["options"] = named + [o for o in field["options"] if o not in named]
    return {
        "name": f"{phase.name}: {', '.join(named[:3])}" if named else phase.name,
        "duration_days": days,
        "internal_description": phase.internal_description.replace(SYSTEMS, systems),
        "customer_description": phase.customer_description.replace(SYSTEMS, systems),
        "exit_criteria": phase.exit_criteria.replace(SYSTEMS, systems),
        "actions": actions,
    }


def _listing(names: list[str]) -> str:
    """Names as a phrase: "A", "A and B", "A, B and C"; empty for none."""
    return " and ".join(filter(None, (", ".join(names[:-1]), names[-1]))) if names else ""


def _name(cleaned: str, segments: list[Segment], quick_start: bool) -> str:
    if segments:
        return f"{' & '.join(s.label for s in segments)} onboarding"
    if quick_start:
        return "Quick-start onboarding"
    summary = _summary(cleaned)
    return f"Onboarding: {summary}"[:NAME_MAX] if summary else "Onboarding plan"


def _summary(cleaned: str) -> str:
    """The first words of the first sentence, or "" if they hold no letter or digit."""
    first = re.split(r"(?<=[.!?;:。！？])\s", cleaned, maxsplit=1)[0]
    summary = _shorten(" ".join(first.split()[:SUMMARY_WORDS]), SUMMARY_MAX)
    summary = summary.strip(" .,;:!?-_*\"'`()[]{}<>")
    return summary if any(ch.isalnum() for ch in summary) else ""


def _shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a space where one is near, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.7:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _tags(text: str, segments: list[Segment], quick_start: bool, phases: list[Phase]) -> list[str]:
    candidates = [s.tag for s in segments] + (["quick-start"] if quick_start else [])
    candidates += [p.tag for p in phases if p.tag]
    candidates += [s.name.casefold() for p in phases for s in p.systems if _mentions(text, s.words)]
    candidates += ["slack"] if _mentions(text, SLACK_WORDS) else []
    tags: list[str] = []
    for tag in candidates:
        if tag not in tags:
            tags.append(tag)
    return tags[:TAGS_MAX]
