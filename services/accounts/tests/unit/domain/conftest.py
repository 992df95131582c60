"""Shared builders for the accounts domain tests (pure Python: no storage, no clock, no sockets).

``REVISION`` is a three-milestone revision shaped like the ``milestones`` of the example in
docs/events/templates.template_published.v1.json. ``kit.account()`` is an account on it, with its
``changes`` cleared the way a freshly loaded account has none; ``kit.refused`` and ``kit.invalid``
check that a refused command names its rule (or fields) and changes nothing at all.

Test modules cannot import this file (pytest runs with ``--import-mode=importlib``), so the
builders reach them through the session-scoped ``kit`` fixture.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from stitch.accounts.domain.account import Account
from stitch.accounts.domain.errors import InvalidInput, RuleBroken
from stitch.accounts.domain.happenings import OrgPolicy, People, Person
from stitch.accounts.domain.plan import Action, Milestone, RevisionSnapshot
from stitch.accounts.domain.states import ActionState, ActionType

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CSM_ID = "staff-csm-1"
CSM = Person("Walter Skinner", "walter@vendor.example")
AE = Person("Alex Krycek", "alex@vendor.example")
COLLABORATOR = Person("Monica Reyes", "monica@vendor.example")
PEOPLE = People(csm=CSM, ae=AE, collaborators=(COLLABORATOR,))
POLICY = OrgPolicy()
DANA = {"name": "Dana Scully", "email": "dana@acme.example", "title": "COO", "role": "executive_sponsor"}
FOX = {"name": "Fox Mulder", "email": "fox@acme.example", "title": "IT lead", "role": "it_admin"}


def _visibility(section: str, portal_visible: bool, portal_label: str = "", blocker: bool = False) -> dict:
    return {"csm": {"visible": True, "label": "", "section": section},
            "portal": {"visible": portal_visible, "label": portal_label, "blocker": blocker}}


def _action(n: int, label: str, kind: str, trigger: dict, visibility: dict, content: dict) -> dict:
    return {"id": f"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c{n:02d}", "position": 0, "label": label, "description": "",
            "type": kind, "trigger": trigger, "visibility": visibility, "content": content}


def _milestone(n: int, name: str, days: int, actions: list[dict]) -> dict:
    for position, action in enumerate(actions, start=1):
        action["position"] = position
    return {"id": f"0f3b5a7c-9d1e-4f2a-8b3c-4d5e6f7a8b{n:02d}", "sequence": n, "name": name, "duration_days": days,
            "internal_description": f"internal notes for {name}", "customer_description": f"what {name} means",
            "exit_criteria": f"{name} done", "actions": actions}


START = {"type": "milestone_start", "delay_hours": 0}
MANUAL = {"type": "manual"}

REVISION = RevisionSnapshot(
    template_id="5d0c3f8e-2b1a-4c7d-8e9f-0a1b2c3d4e5f", revision_id="c4e8a1f2-6b3d-4e9a-9c7b-1d2e3f4a5b6c",
    revision=1, name="Standard onboarding", milestones=(
        _milestone(1, "Welcome & kickoff", 7, [
            _action(1, "Welcome email", "SEND_EMAIL", START,
                    _visibility("Customer communication", True, "Welcome from your onboarding team"),
                    {"subject": "Welcome to {{vendor_name}}, {{contact_first_name}}",
                     "body": "Hi {{contact_first_name}},\n\nI'm {{csm_first_name}}.\n\n{{portal_link}}",
                     "to": ["primary_contact"], "cc": ["csm"], "bcc": []}),
            _action(2, "Setup questionnaire", "COLLECT_INFO", START,
                    _visibility("Customer tasks", True, "Tell us about your team", blocker=True),
                    {"intro": "A few questions.", "fields": [
                        {"key": "admin_email", "label": "Workspace admin", "type": "text", "required": True,
                         "help_text": "", "placeholder": "name@company.com"}]}),
            _action(3, "Follow-up email", "SEND_EMAIL", {"type": "milestone_start", "delay_hours": 24},
                    _visibility("Customer communication", False),
                    {"subject": "How is it going, {{contact_first_name}}?", "body": "Any questions?",
                     "to": ["primary_contact"], "cc": [], "bcc": []}),
            _action(4, "Kickoff call", "SCHEDULE_MEETING", MANUAL, _visibility("Meetings", True, "Kickoff call"),
                    {"title": "{{company_name}} × {{vendor_name}}: kickoff", "duration_minutes": 30,
                     "agenda": "1. Introductions", "attendees": ["primary_contact", "csm"], "location": "Video call"}),
            _action(5, "Tell the team", "SLACK", MANUAL, _visibility("Internal", False),
                    {"channel": "account_channel", "message": "Kickoff for *{{company_name}}* is booked."}),
        ]),
        _milestone(2, "Setup", 14, [
            _action(6, "Signed DPA", "REQUEST_DOCS", {"type": "milestone_start", "delay_hours": 24},
                    _visibility("Customer tasks", True, "Upload your signed DPA", blocker=True),
                    {"instructions": "Upload the signed DPA.", "documents": [
                        {"name": "Data Processing Agreement", "description": "Signed PDF.", "formats": ["pdf"],
                         "required": True, "max_files": 1, "max_size_mb": 50}]}),
            _action(7, "Brand assets", "REQUEST_ASSETS", START, _visibility("Customer tasks", True, "Upload your logo"),
                    {"instructions": "SVG logos are sharpest.", "assets": [
                        {"name": "Primary logo", "description": "", "formats": ["svg"], "required": True,
                         "max_files": 1, "max_size_mb": 10, "dimensions": "512x512"}]}),
            _action(8, "Setup started", "SLACK", START, _visibility("Internal", False),
                    {"channel": "account_channel", "message": "Setup has started for *{{company_name}}*."}),
        ]),
        _milestone(3, "Go-live", 7, [
            _action(9, "Go-live email", "SEND_EMAIL", START, _visibility("Customer communication", True),
                    {"subject": "You are live, {{company_name}}", "body": "Congratulations!",
                     "to": ["primary_contact"], "cc": [], "bcc": []}),
            _action(10, "Training call", "SCHEDULE_MEETING", MANUAL, _visibility("Meetings", True),
                    {"title": "Training", "duration_minutes": 60, "agenda": "", "attendees": ["all_contacts"],
                     "location": ""}),
        ]),
    ))

# What a drafter would write for each drafted type (no placeholders left).
DRAFTS: dict[ActionType, dict[str, Any]] = {
    ActionType.SEND_EMAIL: {"subject": "Welcome to Vendor, Dana", "body": "Hi Dana,\n\nI'm Walter.",
                            "to": ["primary_contact"], "cc": ["csm"], "bcc": []},
    ActionType.SLACK: {"channel": "account_channel", "message": "Kickoff for *Acme Corp* is booked."},
    ActionType.SCHEDULE_MEETING: {"title": "Acme Corp × Vendor: kickoff", "agenda": "1. Introductions",
                                  "duration_minutes": 30, "location": "Video call",
                                  "attendees": ["primary_contact", "csm"]},
}


def make_account(*, contacts: bool = True, apply: bool = True, start: bool = False, policy: OrgPolicy = POLICY,
                 now: datetime = T0, revision: RevisionSnapshot = REVISION) -> Account:
    """An account on ``revision`` (ids ``id-1``, ``id-2``… in plan order), its history cleared."""
    ids = (f"id-{n}" for n in itertools.count(1))
    account = Account.create(account_id="acc-1", org_id="org-1", now=now, actor=CSM_ID,
                             details={"company_name": "Acme Corp", "arr": Decimal("120000"), "industry": "SaaS"})
    if contacts:
        account.add_contact("contact-dana", dict(DANA), now, CSM_ID)
        account.add_contact("contact-fox", dict(FOX), now, CSM_ID)
    if apply:
        account.apply_template(revision, now, CSM_ID, new_id=lambda: next(ids))
    if start:
        account.start_milestone(account.milestones[0].id, now, CSM_ID, policy)
    account.changes.clear()
    return account


def action(account: Account, label: str) -> Action:
    return next(a for a in account.actions() if a.label == label)


def milestone(account: Account, sequence: int) -> Milestone:
    return next(m for m in account.milestones if m.sequence == sequence)


def write_draft(account: Account, label: str, now: datetime = T0, *, policy: OrgPolicy = POLICY,
                fields: dict[str, Any] | None = None, people: People = PEOPLE) -> Action:
    """The drafter answers the outstanding request of a review_pending action."""
    target = action(account, label)
    assert target.state is ActionState.REVIEW_PENDING, target.state
    written = account.attach_draft(target.id, target.draft_request, fields or dict(DRAFTS[target.type]), (),
                                   "ai", now, policy, people)
    assert written
    return target


def snapshot(account: Account) -> dict[str, Any]:
    """Everything the account holds, deep-copied (history, timestamps and version included)."""
    return dataclasses.asdict(account)


def refused(account: Account, command: Callable[[], Any], rule: str) -> RuleBroken:
    before = snapshot(account)
    with pytest.raises(RuleBroken) as caught:
        command()
    assert caught.value.rule == rule, caught.value
    assert snapshot(account) == before, "a refused command changed the account"
    return caught.value


def invalid(account: Account, command: Callable[[], Any]) -> dict[str, str]:
    before = snapshot(account)
    with pytest.raises(InvalidInput) as caught:
        command()
    assert snapshot(account) == before, "a refused command changed the account"
    return {v.path: v.rule for v in caught.value.violations}


def kinds(account: Account) -> list[str]:
    return [h.kind for h in account.changes]


def only(account: Account, kind: str):
    [happened] = [h for h in account.changes if h.kind == kind]
    return happened


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    return SimpleNamespace(
        T0=T0, H=timedelta(hours=1), D=timedelta(days=1), CSM_ID=CSM_ID, CSM=CSM, AE=AE, COLLABORATOR=COLLABORATOR,
        PEOPLE=PEOPLE, POLICY=POLICY, DANA=DANA, FOX=FOX, REVISION=REVISION, DRAFTS=DRAFTS,
        account=make_account, action=action, milestone=milestone, write_draft=write_draft, snapshot=snapshot,
        refused=refused, invalid=invalid, kinds=kinds, only=only)
