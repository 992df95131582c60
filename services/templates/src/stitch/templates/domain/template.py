"""The template aggregate: the editable draft of an onboarding plan, and its published revisions.

Accounts are only ever created from a revision (an immutable snapshot, see revision.py), never
from this draft, so editing a template can never change an account already running.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from stitch.templates.domain.errors import Conflict, InvalidTemplate, NotFound, Violation
from stitch.templates.domain.plan import (DESCRIPTION_MAX, NAME_MAX, Action, Milestone, new_id, read_action,
                                          read_milestone)
from stitch.templates.domain.reading import Reader, read
from stitch.templates.domain.revision import Revision, snapshot_of

ACTIVE, ARCHIVED = "active", "archived"
MILESTONES_MAX, ACTIONS_MAX = 30, 500
SIZE_MAX = 1024 * 1024  # a revision travels whole in one event; keep it under a broker-friendly size
TAGS_MAX, TAG_MAX, SEGMENT_MAX = 20, 40, 200
DETAIL_FIELDS = ("name", "description", "duration_weeks", "segment", "tags")


@dataclasses.dataclass
class Template:
    id: str
    org_id: str
    name: str
    description: str
    duration_weeks: int | None
    segment: str
    tags: list[str]
    milestones: list[Milestone]
    status: str
    usage_count: int  # accounts this template was applied to (from accounts.template_applied.v1)
    latest_revision: int  # 0: never published
    unpublished_changes: bool
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    version: int = 1  # bumped by every save; a stale writer gets a conflict, not a lost update

    # -- creating ----------------------------------------------------------------------------
    @classmethod
    def create(cls, org_id: str, document: dict[str, Any], by: str, now: datetime) -> Template:
        """A new draft from a template document (the API's create body, an import, an AI draft)."""
        details, milestones = read(_read_document, document)
        template = cls(id=new_id(), org_id=org_id, **details, milestones=milestones, status=ACTIVE,
                       usage_count=0, latest_revision=0, unpublished_changes=True,
                       created_by=by, created_at=now, updated_by=by, updated_at=now)
        template._check_size()
        return template

    def duplicate(self, name: str | None, by: str, now: datetime) -> Template:
        """A copy of every milestone and action, with new ids and no revisions, under a new name."""
        document = self.document()
        document["name"] = name if name is not None else f"{self.name[:NAME_MAX - 7]} (copy)"
        return Template.create(self.org_id, document, by, now)

    # -- reading -----------------------------------------------------------------------------
    def document(self, *, with_ids: bool = False) -> dict[str, Any]:
        """The template in the documented exchange format (docs/templates/format.md)."""
        return {
            "name": self.name, "description": self.description, "duration_weeks": self.duration_weeks,
            "segment": self.segment, "tags": list(self.tags),
            "milestones": [m.as_dict(with_id=with_ids) for m in self.milestones],
        }

    def milestone(self, milestone_id: str) -> Milestone:
        for milestone in self.milestones:
            if milestone.id == milestone_id:
                return milestone
        raise NotFound(f"no milestone {milestone_id} in this template")

    def find_action(self, action_id: str) -> tuple[Milestone, Action]:
        for milestone in self.milestones:
            for action in milestone.actions:
                if action.id == action_id:
                    return milestone, action
        raise NotFound(f"no action {action_id} in this template")

    @property
    def action_count(self) -> int:
        return sum(len(m.actions) for m in self.milestones)

    # -- editing the draft -------------------------------------------------------------------
    def change_details(self, changes: dict[str, Any], by: str, now: datetime) -> None:
        self._check_editable()
        merged = {**{f: getattr(self, f) for f in DETAIL_FIELDS}, **changes}
        details = read(lambda r: _read_details(r, strict=True), merged)
        for field, value in details.items():
            setattr(self, field, value)
        self._touched(by, now)

    def replace_plan(self, milestones: list[Any], by: str, now: datetime) -> None:
        """The editor saves the whole plan at once; known ids are kept so history stays readable."""
        self._check_editable()
        known = self._known_ids()
        self.milestones = read(lambda r: _read_milestones(r, known), {"milestones": milestones})
        self._touched(by, now)

    def add_milestone(self, data: dict[str, Any], position: int | None, by: str, now: datetime) -> Milestone:
        self._check_editable()
        if len(self.milestones) >= MILESTONES_MAX:
            raise InvalidTemplate(("milestones", f"a template has at most {MILESTONES_MAX} milestones"))
        milestone = read(read_milestone, data)
        self.milestones.insert(_slot(position, len(self.milestones)), milestone)
        self._touched(by, now)
        return milestone

    def change_milestone(self, milestone_id: str, changes: dict[str, Any], by: str, now: datetime) -> Milestone:
        self._check_editable()
        current = self.milestone(milestone_id)
        if "actions" in changes:
            raise InvalidTemplate(("actions", "change actions through their own endpoints"))
        merged = {**current.as_dict(), **changes, "id": current.id}
        del merged["actions"]
        changed = dataclasses.replace(read(lambda r: read_milestone(r, frozenset({current.id}), False), merged),
                                      actions=current.actions)
        self._replace_milestone(changed)
        self._touched(by, now)
        return changed

    def remove_milestone(self, milestone_id: str, by: str, now: datetime) -> None:
        self._check_editable()
        self.milestones.remove(self.milestone(milestone_id))
        self._touched(by, now)

    def reorder_milestones(self, ordered_ids: list[str], by: str, now: datetime) -> None:
        self._check_editable()
        by_id = {m.id: m for m in self.milestones}
        _check_permutation("milestone_ids", ordered_ids, by_id)
        self.milestones = [by_id[i] for i in ordered_ids]
        self._touched(by, now)

    def add_action(self, milestone_id: str, data: dict[str, Any], position: int | None,
                   by: str, now: datetime) -> Action:
        self._check_editable()
        milestone = self.milestone(milestone_id)
        if self.action_count >= ACTIONS_MAX:
            raise InvalidTemplate(("actions", f"a template has at most {ACTIONS_MAX} actions"))
        action = read(read_action, data)
        actions = list(milestone.actions)
        actions.insert(_slot(position, len(actions)), action)
        self._replace_milestone(dataclasses.replace(milestone, actions=tuple(actions)))
        self._touched(by, now)
        return action

    def change_action(self, action_id: str, changes: dict[str, Any], by: str, now: datetime) -> Action:
        """Top-level fields merge; ``content``, ``trigger`` and ``visibility`` are replaced whole."""
        self._check_editable()
        milestone, current = self.find_action(action_id)
        if "type" in changes and changes["type"] != current.type and "content" not in changes:
            raise InvalidTemplate(("content", "changing the type needs the new type's content"))
        merged = {**current.as_dict(), **changes, "id": current.id}
        changed = read(lambda r: read_action(r, frozenset({current.id})), merged)
        actions = tuple(changed if a.id == action_id else a for a in milestone.actions)
        self._replace_milestone(dataclasses.replace(milestone, actions=actions))
        self._touched(by, now)
        return changed

    def move_action(self, action_id: str, to_milestone_id: str, position: int | None,
                    by: str, now: datetime) -> None:
        self._check_editable()
        source, action = self.find_action(action_id)
        self._replace_milestone(dataclasses.replace(
            source, actions=tuple(a for a in source.actions if a.id != action_id)))
        target = self.milestone(to_milestone_id)
        actions = list(target.actions)
        actions.insert(_slot(position, len(actions)), action)
        self._replace_milestone(dataclasses.replace(target, actions=tuple(actions)))
        self._touched(by, now)

    def remove_action(self, action_id: str, by: str, now: datetime) -> None:
        self._check_editable()
        milestone, _ = self.find_action(action_id)
        self._replace_milestone(dataclasses.replace(
            milestone, actions=tuple(a for a in milestone.actions if a.id != action_id)))
        self._touched(by, now)

    def reorder_actions(self, milestone_id: str, ordered_ids: list[str], by: str, now: datetime) -> None:
        self._check_editable()
        milestone = self.milestone(milestone_id)
        by_id = {a.id: a for a in milestone.actions}
        _check_permutation("action_ids", ordered_ids, by_id)
        self._replace_milestone(dataclasses.replace(milestone, actions=tuple(by_id[i] for i in ordered_ids)))
        self._touched(by, now)

    # -- lifecycle ---------------------------------------------------------------------------
    def publish_problems(self) -> list[Violation]:
        """Rules a draft may break while being written but a published revision may not."""
        return publish_problems([(m.name, len(m.actions)) for m in self.milestones])

    def publish(self, by: str, now: datetime) -> Revision:
        self._check_editable()
        if problems := self.publish_problems():
            raise InvalidTemplate(problems)
        if self.latest_revision and not self.unpublished_changes:
            raise Conflict(f"nothing changed since revision {self.latest_revision}; edit the template first")
        self.latest_revision += 1
        self.unpublished_changes = False
        revision_id = new_id()
        return Revision(id=revision_id, template_id=self.id, org_id=self.org_id, number=self.latest_revision,
                        snapshot=snapshot_of(self, revision_id, by, now), published_by=by, published_at=now)

    def archive(self, by: str, now: datetime) -> None:
        if self.status == ARCHIVED:
            raise Conflict("the template is already archived")
        self.status, self.updated_by, self.updated_at = ARCHIVED, by, now

    def restore(self, by: str, now: datetime) -> None:
        if self.status != ARCHIVED:
            raise Conflict("only an archived template can be restored")
        self.status, self.updated_by, self.updated_at = ACTIVE, by, now

    def check_deletable(self) -> None:
        if self.usage_count:
            raise Conflict(f"the template was applied to {self.usage_count} account(s); archive it instead")

    # -- internals ---------------------------------------------------------------------------
    def _check_editable(self) -> None:
        if self.status == ARCHIVED:
            raise Conflict("archived templates are read-only; restore the template to edit it")

    def _touched(self, by: str, now: datetime) -> None:
        self._check_size()
        self.unpublished_changes, self.updated_by, self.updated_at = True, by, now

    def _check_size(self) -> None:
        if len(self.milestones) > MILESTONES_MAX:
            raise InvalidTemplate(("milestones", f"a template has at most {MILESTONES_MAX} milestones"))
        if self.action_count > ACTIONS_MAX:
            raise InvalidTemplate(("milestones", f"a template has at most {ACTIONS_MAX} actions"))
        if len(json.dumps(self.document(with_ids=True))) > SIZE_MAX:
            raise InvalidTemplate(("milestones", "the template would exceed 1 MiB; split it into smaller ones"))

    def _known_ids(self) -> frozenset[str]:
        return frozenset({m.id for m in self.milestones} | {a.id for m in self.milestones for a in m.actions})

    def _replace_milestone(self, changed: Milestone) -> None:
        self.milestones = [changed if m.id == changed.id else m for m in self.milestones]


def publish_problems(milestones: list[tuple[str, int]]) -> list[Violation]:
    """Publishing needs milestones, each with an action; given (name, action count) per milestone."""
    problems = []
    if not milestones:
        problems.append(Violation("milestones", "a published template needs at least one milestone"))
    for index, (name, actions) in enumerate(milestones):
        if not actions:
            problems.append(Violation(f"milestones.{index}.actions", f"milestone {name!r} needs at least one action"))
    return problems


def _read_document(reader: Reader) -> tuple[dict[str, Any], list[Milestone]]:
    details = _read_details(reader, strict=False)
    milestones = _read_milestones(reader, frozenset())
    reader.finish()
    return details, milestones


def _read_details(reader: Reader, *, strict: bool) -> dict[str, Any]:
    details = {
        "name": reader.text("name", max_length=NAME_MAX, required=True),
        "description": reader.text("description", max_length=DESCRIPTION_MAX, one_line=False),
        "duration_weeks": reader.integer("duration_weeks", low=1, high=104),
        "segment": reader.text("segment", max_length=SEGMENT_MAX),
        "tags": [t.casefold() for t in reader.texts("tags", max_items=TAGS_MAX, max_length=TAG_MAX)],
    }
    if strict:
        reader.finish()
    return details


def _read_milestones(reader: Reader, known: frozenset[str]) -> list[Milestone]:
    milestones = [read_milestone(m, known) for m in reader.objects("milestones", max_items=MILESTONES_MAX)]
    seen: set[str] = set()
    for index, milestone in enumerate(milestones):  # ids kept from the draft must stay unique
        for item in (milestone, *milestone.actions):
            if item.id in seen:
                reader.report(f"milestones.{index}", "repeats an id; each milestone and action needs its own")
            seen.add(item.id)
    if sum(len(m.actions) for m in milestones) > ACTIONS_MAX:
        reader.report("milestones", f"a template has at most {ACTIONS_MAX} actions")
    return milestones


def _slot(position: int | None, length: int) -> int:
    """Positions are 0-based; none or past the end appends."""
    return length if position is None else max(0, min(position, length))


def _check_permutation(field: str, ordered: list[str], by_id: dict[str, Any]) -> None:
    if sorted(ordered) != sorted(by_id) or len(set(ordered)) != len(ordered):
        raise InvalidTemplate((field, "must list every id of the current order exactly once"))
