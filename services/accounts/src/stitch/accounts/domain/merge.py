"""Filling ``{{merge_field}}`` placeholders with an account's details.

The templates service refuses unknown fields when a template is saved; here every field is filled,
and a field with no value is filled with a neutral fallback and reported, so no customer ever
sees literal braces and the CSM sees what to check before approving.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")

# What a field becomes when the account has no value for it (the CSM is warned).
FALLBACKS: dict[str, str] = {
    "contact_first_name": "there",  # "Hi there,"
    "contact_name": "there",
    "csm_first_name": "your onboarding team",
    "csm_name": "your onboarding team",
    "vendor_name": "our team",
    "onboarding_progress": "0%",
}


def fill(text: str, values: Mapping[str, str]) -> tuple[str, set[str]]:
    """``text`` with every placeholder replaced, and the names that had no value."""
    missing: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name) or ""
        if not value:
            missing.add(name)
            return FALLBACKS.get(name, "")
        return value

    return PLACEHOLDER.sub(replace, text), missing


def unfilled(text: str) -> list[str]:
    """Placeholders still in ``text`` (an edit may have typed new ones)."""
    return sorted(set(PLACEHOLDER.findall(text)))
