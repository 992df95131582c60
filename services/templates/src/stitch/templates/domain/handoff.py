"""Handoff forms: the questions an AE answers when handing a new customer to CS (digest §1.12).

An organization may keep several forms ("Enterprise Handoff", "SMB Quick Handoff"). Questions
are versioned: publishing cuts an immutable version, and answers given to one version keep that
version's wording however the form is edited later.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from stitch.templates.domain.errors import Conflict, InvalidTemplate, Violation
from stitch.templates.domain.plan import DESCRIPTION_MAX, NAME_MAX, new_id
from stitch.templates.domain.reading import Reader, read

QUESTION_TYPES = ("text", "textarea", "multiple_choice", "yes_no")
# The admin guide says "Multiple Choice", the CSM guide "Multi-Select": one type, two spellings.
ALIASES = {"multi_select": ("multiple_choice", True)}
QUESTIONS_MAX, QUESTION_MAX, OPTIONS_MAX = 50, 500, 50
ACTIVE, ARCHIVED = "active", "archived"


@dataclasses.dataclass
class HandoffForm:
    id: str
    org_id: str
    name: str
    description: str
    questions: list[dict[str, Any]]
    status: str
    latest_version: int
    unpublished_changes: bool
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    version: int = 1

    @classmethod
    def create(cls, org_id: str, data: dict[str, Any], by: str, now: datetime) -> HandoffForm:
        details = read(lambda r: _read_form(r, frozenset()), data)
        return cls(id=new_id(), org_id=org_id, **details, status=ACTIVE, latest_version=0,
                   unpublished_changes=True, created_by=by, created_at=now, updated_by=by, updated_at=now)

    def change(self, changes: dict[str, Any], by: str, now: datetime) -> None:
        """Name, description or the whole ordered question list; question ids are kept when sent back."""
        if self.status == ARCHIVED:
            raise Conflict("archived handoff forms are read-only; restore the form to edit it")
        known = frozenset(q["id"] for q in self.questions)
        merged = {"name": self.name, "description": self.description, "questions": self.questions, **changes}
        for field, value in read(lambda r: _read_form(r, known), merged).items():
            setattr(self, field, value)
        self.unpublished_changes, self.updated_by, self.updated_at = True, by, now

    def publish(self, by: str, now: datetime) -> HandoffFormVersion:
        if self.status == ARCHIVED:
            raise Conflict("archived handoff forms cannot be published")
        if not self.questions:
            raise InvalidTemplate(Violation("questions", "a published handoff form needs at least one question"))
        if self.latest_version and not self.unpublished_changes:
            raise Conflict(f"nothing changed since version {self.latest_version}; edit the form first")
        self.latest_version += 1
        self.unpublished_changes = False
        return HandoffFormVersion(id=new_id(), form_id=self.id, org_id=self.org_id, number=self.latest_version,
                                  name=self.name, description=self.description,
                                  questions=[dict(q) for q in self.questions], published_by=by, published_at=now)

    def archive(self, by: str, now: datetime) -> None:
        if self.status == ARCHIVED:
            raise Conflict("the handoff form is already archived")
        self.status, self.updated_by, self.updated_at = ARCHIVED, by, now

    def restore(self, by: str, now: datetime) -> None:
        if self.status != ARCHIVED:
            raise Conflict("only an archived handoff form can be restored")
        self.status, self.updated_by, self.updated_at = ACTIVE, by, now


@dataclasses.dataclass(frozen=True)
class HandoffFormVersion:
    id: str
    form_id: str
    org_id: str
    number: int
    name: str
    description: str
    questions: list[dict[str, Any]]
    published_by: str
    published_at: datetime


def _read_form(reader: Reader, known: frozenset[str]) -> dict[str, Any]:
    questions = [_read_question(q, known) for q in reader.objects("questions", max_items=QUESTIONS_MAX)]
    details = {
        "name": reader.text("name", max_length=NAME_MAX, required=True),
        "description": reader.text("description", max_length=DESCRIPTION_MAX, one_line=False),
        "questions": questions,
    }
    if len({q["id"] for q in questions}) != len(questions):
        reader.report("questions", "repeats a question id; each question needs its own")
    reader.finish()
    return details


def _read_question(reader: Reader, known: frozenset[str]) -> dict[str, Any]:
    given = reader.data.get("id")
    reader.consumed("id")
    raw_type = reader.data.get("type")
    question_type, multiple_default = ALIASES.get(raw_type, (raw_type, False)) if isinstance(raw_type, str) \
        else (raw_type, False)
    if question_type != raw_type:
        reader.data = {**reader.data, "type": question_type}
    kind = reader.choice("type", QUESTION_TYPES, required=True)
    question: dict[str, Any] = {
        "id": given if isinstance(given, str) and given in known else new_id(),
        "text": reader.text("text", max_length=QUESTION_MAX, required=True),
        "type": kind,
        "required": reader.boolean("required", False),
        "help_text": reader.text("help_text", max_length=QUESTION_MAX),
    }
    if kind in ("text", "textarea"):
        question["placeholder"] = reader.text("placeholder", max_length=NAME_MAX)
    elif reader.data.get("placeholder"):  # an empty one (as this API returns it) is no mistake
        reader.report("placeholder", "only text and textarea questions have a placeholder")
    reader.consumed("placeholder")
    if kind == "multiple_choice":
        question["options"] = reader.texts("options", max_items=OPTIONS_MAX, max_length=NAME_MAX)
        question["allow_multiple"] = reader.boolean("allow_multiple", multiple_default)
        if not question["options"]:
            reader.report("options", "a multiple_choice question needs at least one option")
    else:
        for key in ("options", "allow_multiple"):
            if reader.data.get(key):
                reader.report(key, "only multiple_choice questions have options")
            reader.consumed(key)
    reader.finish()
    return question
