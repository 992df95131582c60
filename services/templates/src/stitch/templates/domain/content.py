"""The six action types and what each one's ``content`` holds (thread digest §1.6).

The template only defines content; how an action runs on an account (approval of messages,
portal tasks released by their trigger, meetings and Slack done by hand unless a connection can
deliver them) is the accounts service's rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from stitch.templates.domain.merge_fields import merge_field_problem
from stitch.templates.domain.reading import Reader

SEND_EMAIL, SLACK = "SEND_EMAIL", "SLACK"
REQUEST_DOCS, COLLECT_INFO, REQUEST_ASSETS = "REQUEST_DOCS", "COLLECT_INFO", "REQUEST_ASSETS"
SCHEDULE_MEETING = "SCHEDULE_MEETING"
ACTION_TYPES = (SEND_EMAIL, REQUEST_DOCS, COLLECT_INFO, REQUEST_ASSETS, SCHEDULE_MEETING, SLACK)
CUSTOMER_TASKS = (REQUEST_DOCS, COLLECT_INFO, REQUEST_ASSETS)

# Per-file upload limits in MB (thread digest §3.5); a task may lower them, never raise them.
FORMAT_LIMITS_MB = {
    "pdf": 50, "doc": 25, "docx": 25, "xls": 25, "xlsx": 25, "txt": 10, "csv": 10, "png": 10,
    "jpg": 10, "jpeg": 10, "svg": 5, "gif": 10, "zip": 100, "ppt": 50, "pptx": 50,
    # Not in the seed's list, but what SSO set-up and data migrations exchange: metadata, exports, certificates.
    "xml": 10, "json": 10, "pem": 1, "cer": 1, "crt": 1,
}
DOCUMENT_FORMATS = tuple(FORMAT_LIMITS_MB)
ASSET_FORMATS = ("png", "svg", "jpg", "jpeg", "gif", "pdf", "zip")
FIELD_TYPES = ("text", "textarea", "dropdown", "multiple_choice", "checkbox", "date", "file")
CHOICE_FIELDS = ("dropdown", "multiple_choice")

SUBJECT_MAX, BODY_MAX, SLACK_MAX, INTRO_MAX = 200, 20_000, 4_000, 2_000
LABEL_MAX, HELP_MAX, OPTION_MAX, OPTIONS_MAX, FIELDS_MAX, ITEMS_MAX = 200, 500, 200, 100, 50, 50
RECIPIENTS_MAX, MAX_FILES = 20, 20

# Recipients are rules resolved per account, or fixed addresses (a shared inbox, a partner).
RECIPIENT_RULES = {
    "primary_contact": "the account's primary contact",
    "all_contacts": "every contact of the account",
    "csm": "the account's primary CSM",
    "collaborators": "the account's collaborating CSMs",
    "ae": "the account executive",
}
_ROLE_RULE = re.compile(r"^role:[a-z0-9][a-z0-9 _-]{0,63}$")  # contacts with this onboarding role
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_CHANNEL = re.compile(r"^#[a-z0-9][a-z0-9_-]{0,79}$")
_FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_DIMENSIONS = re.compile(r"^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$")
ACCOUNT_CHANNEL = "account_channel"  # the account's shared Slack channel, chosen per account


def read_content(action_type: str | None, reader: Reader) -> dict[str, Any]:
    """The normalized content of one action, every default filled in."""
    parse = _PARSERS.get(action_type or "")
    if parse is None:  # the type itself was already reported; don't pile on
        return {}
    content = parse(reader)
    reader.finish()
    return content


def _recipient_problem(value: str) -> str | None:
    if value in RECIPIENT_RULES or _ROLE_RULE.match(value) or _EMAIL.match(value):
        return None
    return f"must be an email address, role:<contact role> or one of {', '.join(RECIPIENT_RULES)}"


def _recipients(reader: Reader, key: str, default: list[str]) -> list[str]:
    return reader.texts(key, max_items=RECIPIENTS_MAX, max_length=254, default=default,
                        check=_recipient_problem)


def _email(reader: Reader) -> dict[str, Any]:
    content = {
        "subject": reader.text("subject", max_length=SUBJECT_MAX, required=True, check=merge_field_problem),
        "body": reader.text("body", max_length=BODY_MAX, required=True, check=merge_field_problem, one_line=False),
        "to": _recipients(reader, "to", ["primary_contact"]),
        "cc": _recipients(reader, "cc", []),
        "bcc": _recipients(reader, "bcc", []),
    }
    if reader.data.get("to") == []:
        reader.report("to", "needs at least one recipient")
    return content


def _slack(reader: Reader) -> dict[str, Any]:
    def channel_problem(value: str) -> str | None:
        if value == ACCOUNT_CHANNEL or _CHANNEL.match(value):
            return None
        return f"must be {ACCOUNT_CHANNEL} or a channel name like #customer-onboarding"

    return {
        "channel": reader.text("channel", max_length=81, default=ACCOUNT_CHANNEL, check=channel_problem),
        "message": reader.text("message", max_length=SLACK_MAX, required=True, check=merge_field_problem,
                               one_line=False),
    }


def _meeting(reader: Reader) -> dict[str, Any]:
    return {
        "title": reader.text("title", max_length=SUBJECT_MAX, required=True, check=merge_field_problem),
        "duration_minutes": reader.integer("duration_minutes", low=5, high=480, default=30),
        "agenda": reader.text("agenda", max_length=5_000, check=merge_field_problem, one_line=False),
        "attendees": _recipients(reader, "attendees", ["primary_contact", "csm"]),
        "location": reader.text("location", max_length=500),
    }


def _form(reader: Reader) -> dict[str, Any]:
    intro = reader.text("intro", max_length=INTRO_MAX, check=merge_field_problem, one_line=False)
    fields, keys = [], set()
    for field in reader.objects("fields", max_items=FIELDS_MAX, required=True):
        parsed = _form_field(field)
        if parsed["key"] in keys:
            field.report("key", f"repeats {parsed['key']!r}; each field needs its own key")
        keys.add(parsed["key"])
        fields.append(parsed)
    if not fields and reader.has("fields") and isinstance(reader.data.get("fields"), list):
        reader.report("fields", "needs at least one field")
    return {"intro": intro, "fields": fields}


def _form_field(reader: Reader) -> dict[str, Any]:
    label = reader.text("label", max_length=LABEL_MAX, required=True)
    field_type = reader.choice("type", FIELD_TYPES, required=True)
    key = reader.text("key", max_length=64, default=_key_from(label),
                      check=lambda k: None if _FIELD_KEY.match(k) else "must be lowercase letters, digits and _")
    field: dict[str, Any] = {
        "key": key, "label": label, "type": field_type,
        "required": reader.boolean("required", False),
        "help_text": reader.text("help_text", max_length=HELP_MAX),
    }
    if field_type in ("text", "textarea"):
        field["placeholder"] = reader.text("placeholder", max_length=LABEL_MAX)
    if field_type in CHOICE_FIELDS:
        field["options"] = reader.texts("options", max_items=OPTIONS_MAX, max_length=OPTION_MAX)
        if not field["options"]:
            reader.report("options", f"a {field_type} field needs at least one option")
    if field_type == "multiple_choice":
        field["allow_multiple"] = reader.boolean("allow_multiple", True)
    if field_type == "file":
        field["formats"] = _formats(reader, DOCUMENT_FORMATS)
        field["max_files"] = reader.integer("max_files", low=1, high=MAX_FILES, default=1)
    _refuse_fields_of_other_types(reader, field_type)
    return field


def _refuse_fields_of_other_types(reader: Reader, field_type: str | None) -> None:
    """Options on a date field (say) are a mistake worth naming, not something to keep silently."""
    belongs = {"placeholder": ("text", "textarea"), "options": CHOICE_FIELDS,
               "allow_multiple": ("multiple_choice",), "formats": ("file",), "max_files": ("file",)}
    for key, types in belongs.items():
        if field_type and field_type not in types:
            if reader.data.get(key) not in (None, "", [], False):  # empty, as an editor may send it: fine
                reader.report(key, f"only {' and '.join(types)} fields have {key}")
            reader.consumed(key)


def _key_from(label: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")
    key = key if key[:1].isalpha() else f"field_{key}"
    return key[:64].rstrip("_") or "field"


def _formats(reader: Reader, allowed: tuple[str, ...]) -> list[str]:
    """Extensions, written as "pdf", ".PDF" or "Pdf" alike; stored lowercase without the dot."""
    def normal(value: str) -> str:
        return value.lower().lstrip(".")

    raw = reader.texts("formats", max_items=len(allowed), max_length=8, default=list(allowed),
                       check=lambda f: None if normal(f) in allowed else f"must be one of {', '.join(allowed)}")
    formats: list[str] = []
    for value in map(normal, raw):
        if value in formats:
            reader.report("formats", f"lists {value} twice")
        else:
            formats.append(value)
    if reader.data.get("formats") == []:
        reader.report("formats", "needs at least one accepted format")
    return formats


def _uploads(item_key: str, allowed: tuple[str, ...]) -> Callable[[Reader], dict[str, Any]]:
    def parse(reader: Reader) -> dict[str, Any]:
        items = []
        for item in reader.objects(item_key, max_items=ITEMS_MAX, required=True):
            items.append(_upload_item(item, allowed, with_dimensions=item_key == "assets"))
        if not items and isinstance(reader.data.get(item_key), list):
            reader.report(item_key, f"needs at least one entry in {item_key}")
        return {
            "instructions": reader.text("instructions", max_length=INTRO_MAX, check=merge_field_problem,
                                        one_line=False),
            item_key: items,
        }
    return parse


def _upload_item(reader: Reader, allowed: tuple[str, ...], *, with_dimensions: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": reader.text("name", max_length=LABEL_MAX, required=True),
        "description": reader.text("description", max_length=1_000, one_line=False),
        "formats": _formats(reader, allowed),
        "required": reader.boolean("required", True),
        "max_files": reader.integer("max_files", low=1, high=MAX_FILES, default=1),
    }
    ceiling = max((FORMAT_LIMITS_MB[f] for f in item["formats"] if f in FORMAT_LIMITS_MB), default=100)
    item["max_size_mb"] = reader.integer("max_size_mb", low=1, high=ceiling, default=ceiling)
    if with_dimensions:
        item["dimensions"] = reader.text(
            "dimensions", max_length=11,
            check=lambda d: None if _DIMENSIONS.match(d) else "must look like 512x512 (width x height in pixels)")
    return item


_PARSERS: dict[str, Callable[[Reader], dict[str, Any]]] = {
    SEND_EMAIL: _email,
    SLACK: _slack,
    SCHEDULE_MEETING: _meeting,
    COLLECT_INFO: _form,
    REQUEST_DOCS: _uploads("documents", DOCUMENT_FORMATS),
    REQUEST_ASSETS: _uploads("assets", ASSET_FORMATS),
}
