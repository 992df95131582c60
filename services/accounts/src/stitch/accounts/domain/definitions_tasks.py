"""The lists of a portal task: a form's fields, the documents or assets a customer is asked for.

These lists reach the customer's portal as they are (the ``collect_info_task``, ``request_docs_task``
and ``request_assets_task`` $defs of docs/events/accounts.action_executed.v1.json), so an action
added to one account is read into exactly that shape, every default written out the way the
templates service writes a revision's (docs/templates/format.md, "COLLECT_INFO" and "REQUEST_DOCS
and REQUEST_ASSETS"). Every broken rule names its item, e.g. ``content.documents.1.name``.
"""

from __future__ import annotations

import re
from typing import Any

from stitch.accounts.domain.errors import Violation
from stitch.accounts.domain.states import ActionType

# Copied from services/templates/src/stitch/templates/domain/content.py (services never import each
# other); tests/unit/domain/test_definitions.py holds the output to the published event schema.
FORMAT_LIMITS_MB = {
    "pdf": 50, "doc": 25, "docx": 25, "xls": 25, "xlsx": 25, "txt": 10, "csv": 10, "png": 10,
    "jpg": 10, "jpeg": 10, "svg": 5, "gif": 10, "zip": 100, "ppt": 50, "pptx": 50,
    "xml": 10, "json": 10, "pem": 1, "cer": 1, "crt": 1,
}
DOCUMENT_FORMATS = tuple(FORMAT_LIMITS_MB)
ASSET_FORMATS = ("png", "svg", "jpg", "jpeg", "gif", "pdf", "zip")
FIELD_TYPES = ("text", "textarea", "dropdown", "multiple_choice", "checkbox", "date", "file")
CHOICE_FIELDS = ("dropdown", "multiple_choice")
INTRO_MAX, LABEL_MAX, HELP_MAX, DESCRIPTION_MAX = 2_000, 200, 500, 1_000
OPTION_MAX, OPTIONS_MAX, ITEMS_MAX, MAX_FILES = 200, 100, 50, 20
_FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_DIMENSIONS = re.compile(r"^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$")
# Control characters (line breaks and tabs aside) and text-direction overrides read differently from what they hold.
HIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")

# The task's text and its list, per type.
TASK_KEYS = {ActionType.COLLECT_INFO: ("intro", "fields"), ActionType.REQUEST_DOCS: ("instructions", "documents"),
             ActionType.REQUEST_ASSETS: ("instructions", "assets")}
# Keys a form field may carry only for these types (an editor's empty value is let through and dropped).
_BELONGS = {"placeholder": ("text", "textarea"), "options": CHOICE_FIELDS, "allow_multiple": ("multiple_choice",),
            "formats": ("file",), "max_files": ("file",)}


class _Item:
    """One JSON object at ``path``; what it breaks goes to ``problems``; ``null`` means the default."""

    def __init__(self, data: dict, path: str, problems: list[Violation]) -> None:
        self.data, self.path, self.problems, self.seen = data, path, problems, set()

    def report(self, key: str, rule: str) -> None:
        self.problems.append(Violation(f"{self.path}.{key}", rule))

    def get(self, key: str) -> Any:
        self.seen.add(key)
        return self.data.get(key)

    def text(self, key: str, limit: int, *, required: bool = False, one_line: bool = True) -> str:
        value = self.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.report(key, "must be a string")
            return ""
        value = " ".join(value.split()) if one_line else value.strip()
        if HIDDEN.search(value):
            self.report(key, "must not contain control or text-direction characters")
        elif required and not value:
            self.report(key, "is required")
        elif len(value) > limit:
            self.report(key, f"must be at most {limit} characters")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.report(key, "must be true or false")
            return default
        return value

    def number(self, key: str, high: int, default: int) -> int:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
            self.report(key, f"must be a whole number from 1 to {high}")
            return default
        return value

    def texts(self, key: str, limit: int, max_items: int, default: tuple[str, ...] = (),
              normal=lambda s: " ".join(s.split()), check=lambda s: None) -> list[str]:
        """Non-blank strings, each once (compared case-insensitively once ``normal`` has run)."""
        value = self.get(key)
        if value is None:
            return list(default)
        if not isinstance(value, list):
            self.report(key, "must be a list of strings")
            return list(default)
        if len(value) > max_items:
            self.report(key, f"must have at most {max_items} items")
        found: list[str] = []
        for index, item in enumerate(value[:max_items]):
            if not isinstance(item, str) or not item.strip() or HIDDEN.search(item):
                self.report(f"{key}.{index}", "must be a non-blank string without control characters")
            elif len(item := normal(item)) > limit:
                self.report(f"{key}.{index}", f"must be at most {limit} characters")
            elif item.casefold() in {seen.casefold() for seen in found}:
                self.report(f"{key}.{index}", f"repeats {item!r}")
            elif problem := check(item):
                self.report(f"{key}.{index}", problem)
            else:
                found.append(item)
        return found

    def formats(self, allowed: tuple[str, ...]) -> list[str]:
        """File extensions, "pdf", ".PDF" or "Pdf" alike; stored lower-case without the dot."""
        formats = self.texts("formats", 8, len(allowed), allowed, normal=lambda s: s.strip().lower().lstrip("."),
                             check=lambda f: None if f in allowed else f"must be one of {', '.join(allowed)}")
        if self.data.get("formats") == []:
            self.report("formats", "needs at least one accepted format")
        return formats

    def finish(self) -> None:
        for key in sorted(set(self.data) - self.seen, key=str):
            self.report(str(key), "is not a known field")


def read_task(kind: ActionType, content: dict, problems: list[Violation]) -> dict[str, Any]:
    """The task's text and its list, normalized; {} for a type that is no portal task."""
    if kind not in TASK_KEYS:
        return {}
    text_key, list_key = TASK_KEYS[kind]
    task = _Item(content, "content", problems)
    text = task.text(text_key, INTRO_MAX, one_line=False)
    raw = task.get(list_key)
    if not (isinstance(raw, list) and raw):
        task.report(list_key, "must list at least one item")
        raw = []
    elif len(raw) > ITEMS_MAX:
        task.report(list_key, f"must have at most {ITEMS_MAX} items")
    items = []
    for index, data in enumerate(raw[:ITEMS_MAX]):
        path = f"content.{list_key}.{index}"
        if not isinstance(data, dict):
            problems.append(Violation(path, "must be an object"))
            continue
        item = _Item(data, path, problems)
        items.append((item, _field(item) if kind is ActionType.COLLECT_INFO else _upload(item, list_key)))
        item.finish()
    if kind is ActionType.COLLECT_INFO:
        _give_keys(items)
    return {text_key: text, list_key: [parsed for _, parsed in items]}


def _field(item: _Item) -> dict[str, Any]:
    label = item.text("label", LABEL_MAX, required=True)
    kind = item.get("type")
    if kind not in FIELD_TYPES:
        item.report("type", f"must be one of {', '.join(FIELD_TYPES)}")
        kind = None
    field: dict[str, Any] = {"key": item.text("key", 64), "label": label, "type": kind,
                             "required": item.flag("required", False), "help_text": item.text("help_text", HELP_MAX)}
    if field["key"] and len(field["key"]) <= 64 and not _FIELD_KEY.match(field["key"]):
        item.report("key", "must be a lower-case letter, then up to 63 lower-case letters, digits or _")
    if kind in ("text", "textarea"):
        field["placeholder"] = item.text("placeholder", LABEL_MAX)
    if kind in CHOICE_FIELDS:
        field["options"] = item.texts("options", OPTION_MAX, OPTIONS_MAX)
        if item.data.get("options") in (None, []):
            item.report("options", f"a {kind} field needs at least one option")
    if kind == "multiple_choice":
        field["allow_multiple"] = item.flag("allow_multiple", True)
    if kind == "file":
        field["formats"] = item.formats(DOCUMENT_FORMATS)
        field["max_files"] = item.number("max_files", MAX_FILES, 1)
    for key, types in _BELONGS.items():
        value = item.get(key)  # read, so an unknown type does not also make it "not a known field"
        if kind and kind not in types and value not in (None, "", [], False):
            item.report(key, f"only {' and '.join(types)} fields have {key}")
    return field


def _give_keys(items: list[tuple[_Item, dict[str, Any]]]) -> None:
    """A given key must be unique; a missing one is made from the label (as templates does), unique too."""
    taken: set[str] = set()
    for item, field in (pair for pair in items if pair[1]["key"]):
        if field["key"] in taken:
            item.report("key", f"repeats {field['key']!r}; each field needs its own key")
        taken.add(field["key"])
    for _, field in items:
        if not field["key"]:
            base = re.sub(r"[^a-z0-9]+", "_", field["label"].casefold()).strip("_")
            base = (base if base[:1].isalpha() else f"field_{base}")[:64].rstrip("_") or "field"
            key, n = base, 1
            while key in taken:
                n += 1
                key = f"{base[:63 - len(str(n))].rstrip('_')}_{n}"
            field["key"] = key
            taken.add(key)


def _upload(item: _Item, list_key: str) -> dict[str, Any]:
    allowed = ASSET_FORMATS if list_key == "assets" else DOCUMENT_FORMATS
    upload: dict[str, Any] = {"name": item.text("name", LABEL_MAX, required=True),
                              "description": item.text("description", DESCRIPTION_MAX, one_line=False),
                              "formats": item.formats(allowed), "required": item.flag("required", True),
                              "max_files": item.number("max_files", MAX_FILES, 1)}
    ceiling = max((FORMAT_LIMITS_MB[f] for f in upload["formats"]), default=100)
    upload["max_size_mb"] = item.number("max_size_mb", ceiling, ceiling)
    if list_key == "assets":
        upload["dimensions"] = item.text("dimensions", 11)
        if upload["dimensions"] and not _DIMENSIONS.match(upload["dimensions"]):
            item.report("dimensions", "must look like 512x512 (width x height in pixels)")
    return upload
