"""The example templates and the template docs under docs/templates/ stay true to the domain.

The examples are what `make run` seeds and what admins copy from, so each one must import and publish
as it is. The docs quote the domain's tables and limits; these tests fail when the two drift apart.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stitch.templates.domain import content, merge_fields, plan, template
from stitch.templates.domain.content import (ACTION_TYPES, ASSET_FORMATS, CUSTOMER_TASKS, FORMAT_LIMITS_MB,
                                             RECIPIENT_RULES, SEND_EMAIL)
from stitch.templates.domain.merge_fields import MERGE_FIELDS, merge_fields_used
from stitch.templates.domain.template import Template

ROOT = Path(__file__).resolve().parents[4]
DOCS = ROOT / "docs" / "templates"
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)

# file → (name, weeks its name promises, milestone count)
EXAMPLES = {
    "standard-saas-onboarding.json": ("Standard SaaS Onboarding", range(6, 9), range(5, 7)),
    "enterprise-implementation.json": ("Enterprise Implementation", range(12, 17), range(6, 8)),
    "quick-start.json": ("Quick Start", range(2, 4), range(3, 4)),
}


def load(name: str) -> dict:
    return json.loads((DOCS / "examples" / name).read_text(encoding="utf-8"))


def created(name: str) -> Template:
    return Template.create("org-1", load(name)["template"], "admin-1", NOW)


def actions(name: str) -> list:
    return [action for milestone in created(name).milestones for action in milestone.actions]


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_is_an_exchange_file_that_imports_and_publishes(name):
    data = load(name)
    assert set(data) == {"format", "format_version", "template"}
    assert (data["format"], data["format_version"]) == ("stitch.template", 1)
    example = created(name)  # raises InvalidTemplate listing every violation
    assert example.publish_problems() == []
    assert example.publish("admin-1", NOW).number == 1


@pytest.mark.parametrize("name, expected", EXAMPLES.items())
def test_each_example_is_as_long_as_its_name_promises(name, expected):
    title, weeks, milestone_count = expected
    example = created(name)
    assert example.name == title
    assert example.duration_weeks in weeks
    assert len(example.milestones) in milestone_count
    planned_days = sum(m.duration_days for m in example.milestones)  # the phases add up to the estimate
    assert abs(planned_days - 7 * example.duration_weeks) <= 7, planned_days


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_carry_no_ids(name):
    text = (DOCS / "examples" / name).read_text(encoding="utf-8")
    assert '"id"' not in text


def test_the_examples_use_every_action_type_and_both_triggers():
    used = [action for name in EXAMPLES for action in actions(name)]
    assert {a.type for a in used} == set(ACTION_TYPES)
    assert {a.trigger["type"] for a in used} == {plan.MILESTONE_START, plan.MANUAL}
    assert any(a.trigger.get("delay_hours", 0) >= 48 for a in used)  # reminders, not just instant actions


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_gates_its_milestones_on_key_customer_tasks(name):
    tasks = [a for a in actions(name) if a.type in CUSTOMER_TASKS]
    assert tasks and any(a.visibility["portal"]["blocker"] for a in tasks)
    assert all(a.visibility["csm"]["section"] for a in actions(name))  # CSMs see them grouped


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_emails_are_short_and_lead_to_the_portal(name):
    emails = [a for a in actions(name) if a.type == SEND_EMAIL]
    assert emails
    for email in emails:
        assert len(email.content["body"].split()) < 250, email.label
        assert "portal_link" in merge_fields_used(email.content["body"]), email.label
        assert len(email.content["subject"]) <= 50, email.label


# -- docs/templates/merge-fields.md --------------------------------------------------------------
def _table_rows(text: str, pattern: str) -> list[tuple[str, ...]]:
    return re.findall(pattern, text, flags=re.MULTILINE)


def test_merge_fields_doc_lists_exactly_the_merge_fields():
    text = (DOCS / "merge-fields.md").read_text(encoding="utf-8")
    listed = _table_rows(text, r"^\| `\{\{([a-z_]+)\}\}` \| (.+?) \|$")
    expected = "\n".join(f"| `{{{{{name}}}}}` | {holds} |" for name, holds in MERGE_FIELDS.items())
    assert listed == list(MERGE_FIELDS.items()), f"regenerate the table in merge-fields.md:\n{expected}"


def test_merge_fields_doc_lists_exactly_the_recipient_rules():
    text = (DOCS / "merge-fields.md").read_text(encoding="utf-8")
    listed = _table_rows(text, r"^\| `([a-z_]+)` \| (.+?) \|$")
    assert listed == list(RECIPIENT_RULES.items())


# -- docs/templates/format.md --------------------------------------------------------------------
# Every limit the doc quotes next to a constant's name, e.g. "≤ 200 characters (`SUBJECT_MAX`)".
_QUOTED_LIMIT = re.compile(r"([0-9][0-9,]*)(?:\s+[A-Za-z]+){0,3}\s+\(`([A-Z][A-Z0-9_]*)`")
_MUST_BE_QUOTED = {
    "SUBJECT_MAX", "BODY_MAX", "SLACK_MAX", "INTRO_MAX", "LABEL_MAX", "HELP_MAX", "OPTION_MAX", "OPTIONS_MAX",
    "FIELDS_MAX", "ITEMS_MAX", "RECIPIENTS_MAX", "MAX_FILES", "NAME_MAX", "DESCRIPTION_MAX", "LONG_TEXT_MAX",
    "DELAY_HOURS_MAX", "ACTIONS_PER_MILESTONE_MAX", "MILESTONES_MAX", "ACTIONS_MAX", "TAGS_MAX", "TAG_MAX",
    "SEGMENT_MAX", "SIZE_MAX",
}


def _constant(name: str) -> object:
    for module in (content, plan, template, merge_fields):
        if hasattr(module, name):
            return getattr(module, name)
    raise AssertionError(f"the docs quote {name}, which the templates domain does not define")


@pytest.mark.parametrize("doc", ["format.md", "merge-fields.md"])
def test_every_limit_quoted_in_the_docs_matches_the_domain(doc):
    quoted = _QUOTED_LIMIT.findall((DOCS / doc).read_text(encoding="utf-8"))
    wrong = [(name, number, _constant(name)) for number, name in quoted
             if _constant(name) != int(number.replace(",", ""))]
    assert quoted and wrong == []
    if doc == "format.md":
        assert _MUST_BE_QUOTED <= {name for _, name in quoted}


def test_format_doc_lists_the_upload_formats_and_their_limits():
    text = (DOCS / "format.md").read_text(encoding="utf-8")
    limits = {fmt: int(mb) for fmt, mb in _table_rows(text, r"^\| `([a-z]+)` \| ([0-9]+) \|$")}
    assert limits == FORMAT_LIMITS_MB
    [assets] = re.findall(r"for documents, (.+?) for assets \(`ASSET_FORMATS`\)", text)
    assert tuple(re.findall(r"`([a-z]+)`", assets)) == ASSET_FORMATS


def test_format_doc_has_a_section_for_every_action_type():
    headings = re.findall(r"^### (.+)$", (DOCS / "format.md").read_text(encoding="utf-8"), flags=re.MULTILINE)
    documented = {name for heading in headings for name in re.findall(r"`([A-Z_]+)`", heading)}
    assert documented == set(ACTION_TYPES)
