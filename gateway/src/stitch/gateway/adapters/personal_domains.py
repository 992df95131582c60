"""The personal-mail domains sign-up refuses, read from the data file beside this module."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def personal_email_domains() -> frozenset[str]:
    text = resources.files(__package__).joinpath("data/personal_email_domains.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.lstrip().startswith("#"))
