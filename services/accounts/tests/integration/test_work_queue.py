"""The review queue, batch commands and scheduled actions on real stores (SQLite, and PostgreSQL as
the RLS-bound app role), through the use cases bootstrap builds.

Accounts run one milestone, "Kickoff": five emails due at its start (the scheduler writes their
drafts, so they wait in ``ready``) and a check-in email 48 hours after it (scheduled). Each
account starts a few minutes after the previous one, so drafts and schedules have distinct times.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from stitch.accounts import config
from stitch.accounts.adapters.tables import due_jobs, metadata
from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.application.common import Caller
from stitch.accounts.application.ports import StaffUser
from stitch.accounts.application.workqueue import CANCEL_REASON, BatchItem, preview_of
from stitch.accounts.bootstrap import bootstrap
from stitch.accounts.domain.errors import NotAllowed, NotFound, RuleBroken
from stitch.accounts.domain.plan import RevisionSnapshot

EMAILS = 5
CSM, OTHER_CSM, ADMIN = Caller("csm-1"), Caller("csm-2"), Caller("admin-1", sees_all=True)


def kickoff_plan() -> RevisionSnapshot:
    def email(position: int, label: str, delay: int) -> dict:
        return {"id": str(uuid.uuid4()), "position": position, "label": label, "type": "SEND_EMAIL",
                "trigger": {"type": "milestone_start", "delay_hours": delay},
                "content": {"subject": f"{label}: welcome", "body": "## Hello\n\nWelcome **aboard**, see "
                                                                    "[the guide](https://guide.example)."}}
    actions = [email(n, f"Email {n}", 0) for n in range(1, EMAILS + 1)] + [email(EMAILS + 1, "Check-in", 48)]
    return RevisionSnapshot(str(uuid.uuid4()), str(uuid.uuid4()), 1, "Queue plan",
                            ({"id": str(uuid.uuid4()), "name": "Kickoff", "duration_days": 7, "actions": actions},))


class World:
    """The service over one store, its clock, and a few helpers to build accounts in a given state."""

    def __init__(self, store, kit) -> None:
        self.store, self.kit, self.now, self.revision = store, kit, kit.T0, kickoff_plan()
        self.use = bootstrap(config.load(), uow=store.uow, clock=lambda: self.now).use_cases
        with store.uow() as uow:
            for org in (kit.ORG, kit.OTHER):
                uow.set_org(org)
                uow.revisions.add(org, self.revision, kit.T0)
                for user_id, role in (("csm-1", "csm"), ("csm-2", "csm"), ("admin-1", "admin")):
                    uow.staff.upsert(org, StaffUser(user_id, user_id.title(), f"{user_id}@vendor.example", role,
                                                    True), kit.T0)
            uow.commit()

    def account(self, owner: str, *, minutes: int = 0, org: str | None = None, start: bool = True):
        """An account of ``owner`` started ``minutes`` after T0 (its five drafts then ready)."""
        org = org or self.kit.ORG
        self.now = self.kit.T0 + timedelta(minutes=minutes)
        account, _ = self.use["create_account"](org, "admin-1", NewAccount(
            details={"company_name": f"Customer {uuid.uuid4().hex[:6]}"}, template_id=self.revision.template_id,
            contacts=({"name": "Jo Doe", "email": f"jo-{uuid.uuid4().hex[:6]}@customer.example"},), csm_id=owner))
        if start:
            self.use["start_milestone"](org, account.id, "admin-1", account.milestones[0].id)
            while self.use["run_due_jobs"](now=self.now):
                pass
        return self.read(account.id, org)

    def read(self, account_id: str, org: str | None = None):
        return self.use["get_account"](org or self.kit.ORG, account_id)

    def action(self, account_id: str, label: str):
        return next(a for a in self.read(account_id).actions() if a.label == label)

    def snapshot(self, accounts) -> dict:
        """Every account's version, milestone states and action states (and times) as stored now."""
        shot = {}
        for account in accounts:
            read = self.read(account.id, account.org_id)
            shot[account.id] = (read.version, [m.state for m in read.milestones],
                                {a.id: (a.state, a.due_at, a.draft) for a in read.actions()})
        return shot

    def delivery_requests(self) -> list[dict]:
        outbox = metadata.tables["outbox"]
        with self.store.engine.connect() as db:
            envelopes = db.execute(select(outbox.c.envelope)).scalars().all()
        return [e["data"] for e in envelopes if e["type"] == "accounts.delivery_requested.v1"]


@pytest.fixture
def world(store, kit) -> World:
    return World(store, kit)


def emails(account) -> list:
    return [a for a in account.actions() if a.label.startswith("Email")]


def test_a_draft_preview_is_a_headline_and_a_short_plain_excerpt():
    body = "# Hi _there_\n\n> **Note:** write to first_last@example.com, `now`. " + "word " * 100
    email = preview_of({"number": 2, "fields": {"subject": "Welcome", "body": body}, "warnings": ["w"],
                        "edited": True})
    assert email.excerpt.startswith("Hi there Note: write to first_last@example.com, now. word word")
    assert email.excerpt.endswith("word…") and len(email.excerpt) <= 281
    assert (email.headline, email.number, email.warnings, email.edited) == ("Welcome", 2, ("w",), True)
    slack = preview_of({"number": 1, "fields": {"channel": "#acme", "message": "- one\n- two [docs](https://d.x)"}})
    assert (slack.headline, slack.excerpt, slack.edited) == ("", "one two docs", False)
    meeting = preview_of({"number": 1, "fields": {"title": "Kickoff call", "agenda": "1. Goals\n2. Plan"}})
    assert (meeting.headline, meeting.excerpt) == ("Kickoff call", "Goals Plan")
    assert preview_of(None) is None  # a portal task held for review has no draft


def test_batch_execute_of_50_drafts_where_3_are_no_longer_ready(world, kit):
    batched = [world.account("csm-1", minutes=n) for n in range(10)]
    untouched = [world.account("csm-1", minutes=20), world.account("csm-1", minutes=21, org=kit.OTHER)]
    items = [BatchItem(account.id, action.id) for account in batched for action in emails(account)]
    assert len(items) == 50 and {a.state.value for acc in batched for a in emails(acc)} == {"ready"}

    stale = {items[7]: "executing", items[22]: "skipped", items[41]: "review_pending"}
    world.use["execute_action"](kit.ORG, items[7].account_id, CSM, items[7].action_id)
    world.use["skip_action"](kit.ORG, items[22].account_id, CSM, items[22].action_id, reason="Not needed")
    world.use["request_new_draft"](kit.ORG, items[41].account_id, CSM, items[41].action_id)
    before, requested_before = world.snapshot(batched + untouched), world.delivery_requests()

    result = world.use["batch_execute"](kit.ORG, CSM, items)

    assert [(r.account_id, r.action_id) for r in result.results] == [(i.account_id, i.action_id) for i in items]
    assert (result.count("done"), result.count("refused")) == (47, 3)
    for item, state in stale.items():
        [refused] = [r for r in result.results if r.action_id == item.action_id]
        assert (refused.outcome, refused.rule, refused.state) == ("refused", "action.execute.not_ready", state)
        assert f"the action is {state}" in refused.message
    done = {r.action_id for r in result.results if r.outcome == "done"}
    assert {r.state for r in result.results if r.outcome == "done"} == {"executing"}

    new_requests = world.delivery_requests()[len(requested_before):]
    assert len(new_requests) == 47 and {r["action_id"] for r in new_requests} == done

    # Nothing else changed: each batched account moved one version per executed item, only those
    # actions changed state, and the accounts outside the batch are exactly as they were.
    after = world.snapshot(batched + untouched)
    for account in batched + untouched:
        version, milestones, actions = before[account.id]
        executed = done & set(actions)
        expected = {action_id: ("executing", None, draft) if action_id in executed else (state, due, draft)
                    for action_id, (state, due, draft) in actions.items()}
        assert after[account.id] == (version + len(executed), milestones, expected), account.company_name
    approvals = [entry for account in batched for entry in world.use["history"](kit.ORG, account.id, None, 500, None)
                 if entry.kind == "action_approved"]
    assert len(approvals) == 48 and {entry.actor for entry in approvals} == {"csm-1"}  # 47 + the one before


def test_review_queue_is_mine_or_all_oldest_first_with_stable_pages(world, kit):
    archived = world.account("csm-1", minutes=0)
    world.use["archive"](kit.ORG, archived.id, "admin-1", "Lost the deal")
    world.account("csm-1", minutes=0, org=kit.OTHER)
    theirs = world.account("csm-2", minutes=1)
    shared = world.account("csm-2", minutes=2)
    world.use["add_collaborator"](kit.ORG, shared.id, "admin-1", "csm-1")
    mine = world.account("csm-1", minutes=3)
    world.account("csm-1", minutes=4, start=False)  # nothing ready yet

    queue = world.use["review_queue"]
    everything = queue(kit.ORG, ADMIN, everyone=True, limit=200)
    assert [item.account_id for item in everything] == [theirs.id] * 5 + [shared.id] * 5 + [mine.id] * 5
    assert [(i.ready_since, i.action_id) for i in everything] == sorted((i.ready_since, i.action_id)
                                                                       for i in everything)
    assert [i.account_id for i in queue(kit.ORG, CSM, limit=200)] == [shared.id] * 5 + [mine.id] * 5
    assert queue(kit.ORG, ADMIN, limit=200) == []  # the admin's own accounts: none
    with pytest.raises(NotAllowed) as refused:
        queue(kit.ORG, CSM, everyone=True)
    assert refused.value.rule == "review_queue.all_needs_manage_accounts"
    count = world.use["review_queue_count"]
    assert (count(kit.ORG, CSM), count(kit.ORG, ADMIN, everyone=True), count(kit.ORG, OTHER_CSM)) == (10, 15, 10)
    assert count(kit.ORG, ADMIN, everyone=True, action_type="SLACK") == 0
    assert [i.account_id for i in queue(kit.ORG, ADMIN, everyone=True, account_id=shared.id)] == [shared.id] * 5

    first = everything[0]
    fresh = world.read(theirs.id)
    assert (first.company_name, first.account_version, first.primary_csm_id) == (
        fresh.company_name, fresh.version, "csm-2")
    assert (first.milestone_name, first.milestone_state, first.type, first.overdue) == (
        "Kickoff", "in_progress", "SEND_EMAIL", False)
    assert first.label.startswith("Email") and first.draft.headline == f"{first.label}: welcome"
    assert first.draft.excerpt == "Hello Welcome aboard, see the guide."
    assert (first.draft.number, first.draft.edited, first.draft.warnings) == (1, False, ())

    # Pages of four: an item that leaves the queue meanwhile moves no later page.
    pages, after = [], None
    while True:
        page = queue(kit.ORG, ADMIN, everyone=True, limit=4, after=after)
        pages += page
        if len(page) < 4:
            break
        after = (page[-1].ready_since, page[-1].action_id)
        if len(pages) == 4:
            world.use["execute_action"](kit.ORG, page[0].account_id, ADMIN, page[0].action_id)
    assert [(i.account_id, i.action_id) for i in pages] == [(i.account_id, i.action_id) for i in everything]

    world.now = kit.T0 + timedelta(days=8)
    assert all(item.overdue for item in queue(kit.ORG, CSM, limit=200))


def test_batch_skip_and_reschedule_report_each_item(world, kit):
    mine, also_mine, theirs = world.account("csm-1"), world.account("csm-1", minutes=1), world.account("csm-2")
    executing = emails(mine)[1]
    world.use["execute_action"](kit.ORG, mine.id, CSM, executing.id)
    check_in = {account.id: world.action(account.id, "Check-in") for account in (mine, also_mine, theirs)}

    skipped = world.use["batch_skip"](kit.ORG, CSM, [
        BatchItem(mine.id, emails(mine)[0].id), BatchItem(mine.id, executing.id),
        BatchItem(theirs.id, emails(theirs)[0].id), BatchItem(mine.id, "no-such-action"),
        BatchItem("no-such-account", emails(mine)[2].id), BatchItem(mine.id, check_in[mine.id].id)],
        reason="Customer asked to pause")
    assert [(r.outcome, r.state, r.rule) for r in skipped.results] == [
        ("done", "skipped", None), ("refused", "executing", "action.skip.not_open"),
        ("forbidden", "ready", "account.not_collaborator"), ("not_found", None, None),
        ("not_found", None, None), ("done", "skipped", None)]
    history = world.use["history"](kit.ORG, mine.id, emails(mine)[0].id, 50, None)
    assert [(e.actor, e.detail["reason"]) for e in history if e.kind == "action_skipped"] == [
        ("csm-1", "Customer asked to pause")]

    moved = world.use["batch_reschedule"](kit.ORG, CSM, [
        BatchItem(also_mine.id, check_in[also_mine.id].id), BatchItem(also_mine.id, emails(also_mine)[0].id),
        BatchItem(theirs.id, check_in[theirs.id].id), BatchItem(mine.id, check_in[mine.id].id)], delay_hours=72)
    assert [(r.outcome, r.state, r.rule) for r in moved.results] == [
        ("done", "pending", None), ("refused", "ready", "action.reschedule.not_pending"),
        ("forbidden", "pending", "account.not_collaborator"), ("refused", "skipped", "action.reschedule.not_pending")]
    started = world.read(also_mine.id).milestones[0].started_at
    assert world.action(also_mine.id, "Check-in").due_at == started + timedelta(hours=72)
    assert world.action(theirs.id, "Check-in").due_at == check_in[theirs.id].due_at

    exact = kit.T0 + timedelta(days=5)
    past = world.use["batch_reschedule"](kit.ORG, CSM, [BatchItem(also_mine.id, check_in[also_mine.id].id)],
                                         at=kit.T0 - timedelta(hours=1))
    assert [(r.outcome, r.rule) for r in past.results] == [("refused", "input.invalid")]
    world.use["batch_reschedule"](kit.ORG, CSM, [BatchItem(also_mine.id, check_in[also_mine.id].id)], at=exact)
    assert world.action(also_mine.id, "Check-in").due_at == exact


def test_scheduled_actions_soonest_first_trigger_and_cancel(world, kit):
    first, third, second = (world.account("csm-1", minutes=0), world.account("csm-2", minutes=30),
                            world.account("csm-1", minutes=10))
    archived = world.account("csm-1", minutes=5)
    world.use["archive"](kit.ORG, archived.id, "admin-1", "Paused")
    world.account("csm-1", minutes=1, org=kit.OTHER)
    world.account("csm-1", minutes=2, start=False)  # its check-in has no time until the milestone starts
    listed = world.use["scheduled_actions"]

    items = listed(kit.ORG, limit=50)
    assert [i.account_id for i in items] == [first.id, second.id, third.id]
    assert [i.due_at for i in items] == [kit.T0 + timedelta(hours=48, minutes=m) for m in (0, 10, 30)]
    assert {(i.label, i.delay_hours, i.milestone_name, i.type) for i in items} == {("Check-in", 48, "Kickoff",
                                                                                   "SEND_EMAIL")}
    assert (items[2].primary_csm_id, items[2].company_name) == ("csm-2", third.company_name)
    assert [i.account_id for i in listed(kit.ORG, due_after=items[1].due_at, limit=50)] == [second.id, third.id]
    assert [i.account_id for i in listed(kit.ORG, due_before=items[1].due_at, limit=50)] == [first.id]
    assert [i.account_id for i in listed(kit.ORG, account_id=third.id, limit=50)] == [third.id]
    assert listed(kit.ORG, limit=2, after=(items[1].due_at, items[1].action_id)) == items[2:]

    triggered = world.use["trigger_scheduled_action"](kit.ORG, ADMIN, items[0].action_id)
    assert triggered.action(items[0].action_id).state.value == "review_pending"
    with world.store.engine.connect() as db:
        jobs = db.execute(select(due_jobs.c.kind).where(due_jobs.c.action_id == items[0].action_id)).scalars().all()
    assert jobs == ["draft"]

    cancelled = world.use["cancel_scheduled_action"](kit.ORG, ADMIN, items[1].action_id)
    assert cancelled.action(items[1].action_id).state.value == "skipped"
    [entry] = [e for e in world.use["history"](kit.ORG, second.id, items[1].action_id, 50, None)
               if e.kind == "action_skipped"]
    assert (entry.actor, entry.detail["reason"]) == ("admin-1", CANCEL_REASON)
    assert [i.account_id for i in listed(kit.ORG, limit=50)] == [third.id]

    ready = emails(third)[0]
    for use_case, action_id in (("trigger_scheduled_action", items[0].action_id),
                                ("cancel_scheduled_action", items[1].action_id),
                                ("cancel_scheduled_action", ready.id)):
        with pytest.raises(RuleBroken) as refused:
            world.use[use_case](kit.ORG, ADMIN, action_id)
        assert refused.value.rule == "action.not_scheduled"
    assert world.action(third.id, ready.label).state.value == "ready"
    with pytest.raises(NotFound):
        world.use["trigger_scheduled_action"](kit.ORG, ADMIN, "no-such-action")
