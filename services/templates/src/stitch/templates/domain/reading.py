"""Reading plain JSON objects into domain values while collecting every violation.

Templates arrive from the API, from imported files, from the AI drafter and from seed data; all
of them go through these readers, so one set of rules decides what a valid template is. A reader
never stops at the first problem: the admin sees every bad field of a form at once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Iterator
from typing import Any

from stitch.templates.domain.errors import InvalidTemplate, Violation

_MISSING = object()


class Reader:
    """One JSON object at ``path``; reports go to the shared ``violations`` list."""

    def __init__(self, data: Any, path: str, violations: list[Violation], *, silent: bool = False) -> None:
        self.path, self.violations = path, violations
        self._seen: set[str] = set()
        # Not an object (or inside one that is not): one complaint for the whole item, not one
        # per field it lacks.
        self._broken = silent or not isinstance(data, dict)
        self.data: dict[str, Any] = {} if self._broken else data
        if self._broken and not silent:
            self.violations.append(Violation(path or "body", "must be an object"))

    # -- reporting -------------------------------------------------------------------------
    def at(self, key: str | int) -> str:
        return f"{self.path}.{key}" if self.path else str(key)

    def report(self, key: str | int, rule: str) -> None:
        if not self._broken:
            self.violations.append(Violation(self.at(key), rule))

    def report_here(self, rule: str) -> None:
        if not self._broken:
            self.violations.append(Violation(self.path or "body", rule))

    def has(self, key: str) -> bool:
        return key in self.data

    def consumed(self, key: str) -> None:
        """Mark ``key`` as handled (reported by the caller), so finish() does not report it again."""
        self._seen.add(key)

    def _get(self, key: str) -> Any:
        self._seen.add(key)
        value = self.data.get(key, _MISSING)
        return _MISSING if value is None else value

    # -- typed reads -----------------------------------------------------------------------
    def text(self, key: str, *, max_length: int, required: bool = False, default: str = "",
             check: Callable[[str], str | None] | None = None, one_line: bool = True) -> str:
        value = self._get(key)
        if value is _MISSING:
            if required:
                self.report(key, "is required")
            return default
        if not isinstance(value, str):
            self.report(key, "must be a string")
            return default
        value = " ".join(value.split()) if one_line else value.strip()
        if _hidden_characters(value):
            self.report(key, "must not contain control or text-direction characters")
            return default
        if not value:  # blank is "not given": the default, or a complaint if the field is required
            if required:
                self.report(key, "must not be blank")
                return value
            return default
        if len(value) > max_length:
            self.report(key, f"must be at most {max_length} characters (got {len(value)})")
        elif check and (problem := check(value)):
            self.report(key, problem)
        return value

    def integer(self, key: str, *, low: int, high: int, default: int | None = None,
                required: bool = False) -> int | None:
        value = self._get(key)
        if value is _MISSING:
            if required:
                self.report(key, "is required")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.report(key, "must be a whole number")
            return default
        if not low <= value <= high:
            self.report(key, f"must be between {low} and {high} (got {value})")
            return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.report(key, "must be true or false")
            return default
        return value

    def choice(self, key: str, options: Collection[str], *, default: str | None = None,
               required: bool = False) -> str | None:
        value = self._get(key)
        if value is _MISSING:
            if required:
                self.report(key, f"is required; one of {', '.join(options)}")
            return default
        if value not in options:
            self.report(key, f"must be one of {', '.join(options)}")
            return default
        return value

    def texts(self, key: str, *, max_items: int, max_length: int, default: list[str] | None = None,
              check: Callable[[str], str | None] | None = None) -> list[str]:
        """A list of short strings: trimmed, blanks refused, duplicates refused."""
        value = self._get(key)
        if value is _MISSING:
            return list(default or [])
        if not isinstance(value, list):
            self.report(key, "must be a list of strings")
            return list(default or [])
        if len(value) > max_items:
            self.report(key, f"must have at most {max_items} items (got {len(value)})")
        result: list[str] = []
        for index, item in enumerate(value[:max_items]):
            where = f"{key}.{index}"
            if not isinstance(item, str) or not item.strip():
                self.report(where, "must be a non-blank string")
                continue
            item = " ".join(item.split())
            if len(item) > max_length:
                self.report(where, f"must be at most {max_length} characters")
            elif item.casefold() in (seen.casefold() for seen in result):
                self.report(where, f"repeats {item!r}")
            elif check and (problem := check(item)):
                self.report(where, problem)
            else:
                result.append(item)
        return result

    def objects(self, key: str, *, max_items: int, required: bool = False) -> Iterator[Reader]:
        value = self._get(key)
        if value is _MISSING:
            if required:
                self.report(key, "is required")
            return
        if not isinstance(value, list):
            self.report(key, "must be a list")
            return
        if len(value) > max_items:
            self.report(key, f"must have at most {max_items} items (got {len(value)})")
        for index, item in enumerate(value[:max_items]):
            yield Reader(item, self.at(f"{key}.{index}"), self.violations)

    def object(self, key: str) -> Reader:
        value = self._get(key)
        return Reader({} if value is _MISSING else value, self.at(key), self.violations, silent=self._broken)

    def finish(self) -> None:
        """Unknown keys are mistakes (a typo would otherwise be dropped without a word)."""
        for key in sorted(set(self.data) - self._seen):
            self.report(key, "is not a known field")


# Bidirectional overrides can make text read differently from what it holds ("Trojan Source").
_DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _hidden_characters(value: str) -> bool:
    return any((unicodedata.category(c) == "Cc" and c not in "\n\t") or c in _DIRECTION_CONTROLS for c in value)


def read(parse: Callable[[Reader], Any], data: Any, path: str = "") -> Any:
    """Run ``parse`` over ``data``; raise one InvalidTemplate listing every violation."""
    violations: list[Violation] = []
    result = parse(Reader(data, path, violations))
    if violations:
        raise InvalidTemplate(violations)
    return result
