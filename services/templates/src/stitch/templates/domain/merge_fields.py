"""Merge fields: ``{{name}}`` placeholders that the accounts service fills in when an action runs.

The list is closed on purpose: a misspelt field would otherwise reach a customer as literal
braces. docs/templates/merge-fields.md is generated from (and tested against) this table.
"""

from __future__ import annotations

import re

MERGE_FIELDS: dict[str, str] = {
    "company_name": "the customer's company name",
    "company_website": "the customer's website",
    "contact_first_name": "first name of the recipient contact (the primary contact by default)",
    "contact_last_name": "last name of the recipient contact",
    "contact_name": "full name of the recipient contact",
    "contact_email": "email address of the recipient contact",
    "milestone_name": "customer-facing name of the milestone the action belongs to",
    "milestone_due_date": "target completion date of that milestone",
    "next_milestone_name": "name of the milestone that follows",
    "csm_name": "full name of the account's primary CSM",
    "csm_first_name": "first name of the account's primary CSM",
    "csm_email": "email address of the account's primary CSM",
    "ae_name": "name of the account executive who closed the deal",
    "vendor_name": "your organization's name, as customers see it",
    "portal_link": "link to the customer's onboarding portal",
    "onboarding_progress": "share of portal tasks completed, e.g. 40%",
}

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def merge_field_problem(text: str) -> str | None:
    """Why ``text`` cannot be sent as written, or None. Names every unknown field at once."""
    unknown = sorted({name for name in _PLACEHOLDER.findall(text) if name not in MERGE_FIELDS})
    if unknown:
        shown = ", ".join("{{%s}}" % name for name in unknown)
        return f"unknown merge field {shown}; see docs/templates/merge-fields.md for the list"
    rest = _PLACEHOLDER.sub("", text)
    if "{{" in rest or "}}" in rest:
        return "has an unclosed or malformed merge field: write {{field_name}}"
    return None


def merge_fields_used(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def shown_as_written_problem(text: str) -> str | None:
    """Labels and portal texts are shown as written; braces there would reach customers as braces."""
    if _PLACEHOLDER.search(text):
        return "merge fields are filled in only in messages (subjects, bodies, titles, intros); write this text out"
    return None
