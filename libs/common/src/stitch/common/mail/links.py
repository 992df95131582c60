"""Finding the http(s) links in a plain-text mail body (the dev mailbox lists and linkifies them)."""

from __future__ import annotations

import re

_URL = re.compile(r"https?://[^\s<>\"']+")
# Prose punctuation that ends a sentence or closes a bracket is not part of the link.
_TRAILING = ".,;:!?)]}>"


def split_links(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into pieces, each flagged True when it is a link; joining them gives ``text``."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group().rstrip(_TRAILING)
        if url.endswith("://"):  # only punctuation followed the scheme
            continue
        if match.start() > last:
            pieces.append((text[last:match.start()], False))
        pieces.append((url, True))
        last = match.start() + len(url)
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


def find_links(text: str) -> list[str]:
    """The distinct links in ``text``, in the order they first appear."""
    return list(dict.fromkeys(piece for piece, is_link in split_links(text) if is_link))
