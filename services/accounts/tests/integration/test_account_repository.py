"""The account aggregate through SqlAccountRepository, on SQLite and on PostgreSQL under RLS.

It round-trips exactly; a save writes only what changed, its history and the bumped version; a
save from a stale load is refused; one account per CRM deal holds under a race; the due jobs
follow the aggregate; another org sees none of it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select, text

from stitch.accounts.adapters.tables import (
    RLS_EXEMPT,
    account_actions,
    account_contacts,
    account_history,
    account_milestones,
    accounts,
    due_jobs,
    metadata,
)
from stitch.accounts.application.ports import DealTaken
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.contacts import Contact
from stitch.accounts.domain.errors import NotFound
from stitch.accounts.domain.happenings import People
from stitch.accounts.domain.plan import Action, Milestone
from stitch.accounts.domain.states import AccountStatus, ActionState, MilestoneState
from stitch.common.concurrency import StaleVersion
from stitch.common.testing.racing import all_at_once

pytestmark = pytest.mark.integration


def without_changes(account) -> dict:
    state = dataclasses.asdict(account)
    del state["changes"]
    return state


def started(kit):
    """An account mid-flight: milestone 1 started, its email drafted, sent, failed; milestone 2 blocked."""
    account = kit.new_account(kit.revision)
    first, second, _third = account.milestones
    account.start_milestone(first.id, kit.at(1), "csm-1", kit.POLICY)
    email, questionnaire, meeting = first.actions
    assert (email.state, questionnaire.state, meeting.state) == (
        ActionState.REVIEW_PENDING, ActionState.EXECUTED, ActionState.PENDING)
    fields = {"subject": "Welcome", "body": "Hi Ada", "to": ["primary_contact"], "cc": [], "bcc": []}
    account.attach_draft(email.id, email.draft_request, fields, ("{{ae_name}} has no value",), "offline", kit.at(2),
                         kit.POLICY, People())
    account.execute(email.id, kit.at(3), "csm-1", kit.POLICY, People())
    account.delivery_failed(email.delivery_request, "smtp.refused", "mailbox full", kit.at(4))
    account.block_milestone(second.id, "Waiting for the signed DPA", kit.at(4), "csm-1")
    account.request_new_draft(email.id, kit.at(5), "csm-1", "Shorter, please")
    return account


def add(store, account) -> None:
    with store.uow() as uow:
        uow.set_org(account.org_id)
        uow.accounts.add(account)
        uow.commit()


def load(store, org_id, account_id):
    with store.uow() as uow:
        uow.set_org(org_id)
        return uow.accounts.get(org_id, account_id)


@contextmanager
def statements(store) -> Iterator[list[str]]:
    """The SQL statements run while the block runs (as the driver got them)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _many):
        seen.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def test_an_account_round_trips_exactly(store, kit):
    account = started(kit)
    happened = [h.id for h in account.changes]
    add(store, account)
    assert account.version == 1 and account.changes == []
    loaded = load(store, kit.ORG, account.id)
    assert without_changes(loaded) == without_changes(account)
    assert [m.sequence for m in loaded.milestones] == [1, 2, 3]
    assert loaded.milestones[1].state is MilestoneState.BLOCKED
    assert loaded.milestones[1].blocked_from is MilestoneState.PENDING
    email = loaded.milestones[0].actions[0]
    assert email.draft.warnings == ("{{ae_name}} has no value",) and email.last_error["code"] == "smtp.refused"
    assert [c.name for c in loaded.contacts] == ["Ada Lovelace", "Alan Turing"]
    with store.engine.connect() as db:
        if store.dialect == "postgresql":
            db.execute(select(func.set_config("app.org_id", kit.ORG, True)))
        stored = db.execute(select(account_history.c.id).where(account_history.c.account_id == account.id)).scalars()
        assert sorted(stored) == sorted(happened)


def test_a_save_writes_only_what_changed_with_its_history_and_the_next_version(store, kit):
    account = started(kit)
    add(store, account)
    with store.uow() as uow:
        uow.set_org(kit.ORG)
        loaded = uow.accounts.get(kit.ORG, account.id, for_update=True)
        alan = loaded.contacts[1]
        loaded.change_contact(alan.id, {"title": "CTO"}, kit.at(6), "csm-1")
        meeting = loaded.milestones[0].actions[2]
        loaded.skip(meeting.id, kit.at(6), "csm-1", "held on the phone")
        with statements(store) as seen:
            uow.accounts.save(loaded)
        uow.commit()
    writes = [s for s in seen if not s.startswith("SELECT")]
    assert [w.split(" SET ")[0] if w.startswith("UPDATE") else w.split(" (")[0] for w in writes] == [
        "UPDATE accounts", "UPDATE account_contacts", "UPDATE account_actions", "INSERT INTO account_history"]
    assert writes[1].startswith("UPDATE account_contacts SET title=")
    assert writes[2].startswith("UPDATE account_actions SET state=") and "label" not in writes[2]
    assert loaded.version == 2 and loaded.changes == []
    again = load(store, kit.ORG, account.id)
    assert without_changes(again) == without_changes(loaded)
    with store.uow() as uow:
        uow.set_org(kit.ORG)
        kinds = uow.session.execute(select(account_history.c.kind).where(
            account_history.c.org_id == kit.ORG, account_history.c.account_id == account.id,
            account_history.c.at == kit.at(6)).order_by(account_history.c.kind)).scalars().all()
    assert kinds == ["action_skipped", "contact_changed"]
    with store.uow() as uow:  # the port's read: numbered on from the first save, in the order recorded
        uow.set_org(kit.ORG)
        history = uow.accounts.history(kit.ORG, account.id)
        tail = uow.accounts.history(kit.ORG, account.id, after=len(history) - 2)
    assert [h.number for h in history] == list(range(1, len(history) + 1))
    assert [h.kind for h in tail] == ["contact_changed", "action_skipped"]


def test_a_save_with_nothing_else_changed_bumps_only_the_version(store, kit):
    account = kit.new_account(kit.revision)
    add(store, account)
    with store.uow() as uow:
        uow.set_org(kit.ORG)
        loaded = uow.accounts.get(kit.ORG, account.id)
        with statements(store) as seen:
            uow.accounts.save(loaded)
        uow.commit()
    assert [s for s in seen if not s.startswith("SELECT")] == [
        next(s for s in seen if s.startswith("UPDATE accounts SET version="))]
    assert load(store, kit.ORG, account.id).version == 2


def test_reapplying_a_template_replaces_the_plan_rows(store, kit):
    account = kit.new_account(kit.revision)
    add(store, account)
    with store.uow() as uow:
        uow.set_org(kit.ORG)
        loaded = uow.accounts.get(kit.ORG, account.id, for_update=True)
        old_ids = {a.id for a in loaded.actions()}
        loaded.apply_template(kit.revision, kit.at(1), "csm-1", confirm_reset=True)
        uow.accounts.save(loaded)
        uow.commit()
    again = load(store, kit.ORG, account.id)
    assert without_changes(again) == without_changes(loaded)
    assert not old_ids & {a.id for a in again.actions()} and len(again.actions()) == len(old_ids)


def test_a_save_from_a_stale_load_is_refused(store, kit):
    account = kit.new_account(kit.revision)
    add(store, account)
    late, early = store.uow(), store.uow()
    with late, early:
        late.set_org(kit.ORG)
        early.set_org(kit.ORG)
        theirs = late.accounts.get(kit.ORG, account.id)
        late.session.commit()  # end its read (SQLite has one writer: the next transaction would wait)
        mine = early.accounts.get(kit.ORG, account.id, for_update=True)
        mine.set_status(AccountStatus.AT_RISK, kit.at(1), "csm-1")
        early.accounts.save(mine)
        early.commit()
        theirs.change_details({"industry": "Logistics"}, kit.at(2), "csm-2")
        with pytest.raises(StaleVersion) as refused:
            late.accounts.save(theirs)
    assert refused.value.current == 2
    stored = load(store, kit.ORG, account.id)
    assert (stored.status.value, stored.industry, stored.version) == ("at_risk", "Retail", 2)


def test_a_missing_account_is_not_found(store, kit):
    with store.uow() as uow, pytest.raises(NotFound):
        uow.set_org(kit.ORG)
        uow.accounts.get(kit.ORG, str(uuid.uuid4()))


def test_one_account_per_deal_even_when_two_creates_race(store, kit):
    def create(_):
        add(store, kit.new_account(kit.revision, external_id="deal-race"))

    results = all_at_once(2, create)
    assert sum(r is None for r in results) == 1
    assert [type(r) for r in results if r is not None] == [DealTaken]  # the use case then reads the winner
    with store.uow() as uow:
        uow.set_org(kit.ORG)
        first = uow.accounts.find_by_deal(kit.ORG, "hubspot", "deal-race")
        assert uow.accounts.find_by_deal(kit.ORG, "hubspot", "no-such-deal") is None
    duplicate = kit.new_account(kit.revision, external_id="deal-race", duplicate_of=first.id)
    add(store, duplicate)  # asked for deliberately: allowed
    with store.uow() as uow:
        uow.set_org(kit.ORG)
        assert uow.accounts.find_by_deal(kit.ORG, "hubspot", "deal-race").id == first.id
        assert uow.accounts.get(kit.ORG, duplicate.id).duplicate_of == first.id
    add(store, kit.new_account(kit.revision, external_id="deal-race", org_id=kit.OTHER))  # another org's deal


def test_another_org_sees_none_of_it(postgres_store, kit):
    account = started(kit)
    add(postgres_store, account)
    with postgres_store.uow() as uow:
        uow.set_org(kit.ORG)
        uow.revisions.add(kit.ORG, kit.revision, kit.T0)
        uow.commit()
    tenant_tables = [t for t in metadata.sorted_tables if "org_id" in t.c and t.name not in RLS_EXEMPT]
    with postgres_store.uow() as uow:
        uow.set_org(kit.OTHER)
        with pytest.raises(NotFound):
            uow.accounts.get(kit.OTHER, account.id)
        assert uow.accounts.find_by_deal(kit.OTHER, "hubspot", "deal-1") is None
        for table in tenant_tables:  # not even with a query that does not filter by org
            assert uow.session.execute(text(f'SELECT count(*) FROM "{table.name}"')).scalar() == 0, table.name
        uow.set_org(kit.ORG)
        counts = {t.name: uow.session.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar() for t in tenant_tables}
    assert all(counts[name] > 0 for name in ("accounts", "account_contacts", "account_milestones", "account_actions",
                                             "account_history", "template_revisions")), counts


# -- due jobs follow the aggregate -------------------------------------------------------------------

def jobs(store, account_id) -> list[tuple]:
    with store.engine.connect() as db:  # due_jobs is exempt from RLS: the scheduler reads it with no org
        rows = db.execute(select(due_jobs).where(due_jobs.c.account_id == account_id)
                          .order_by(due_jobs.c.kind, due_jobs.c.due_at)).all()
    return rows


def change(store, kit, account_id, do) -> None:
    with store.uow() as uow:
        uow.set_org(kit.ORG)
        account = uow.accounts.get(kit.ORG, account_id, for_update=True)
        do(account)
        uow.accounts.save(account)
        uow.commit()


def test_due_jobs_follow_the_aggregate(store, kit):
    account = kit.new_account(kit.revision)
    add(store, account)
    first, second, _third = account.milestones
    assert jobs(store, account.id) == []

    change(store, kit, account.id, lambda a: a.start_milestone(first.id, kit.at(1), "csm-1", kit.POLICY))
    email = load(store, kit.ORG, account.id).milestones[0].actions[0]
    [draft] = jobs(store, account.id)  # the email fired: a draft is asked for, due at once
    assert (draft.kind, draft.action_id, draft.request_id, draft.due_at) == ("draft", email.id, email.draft_request,
                                                                            kit.at(1))
    change(store, kit, account.id, lambda a: a.skip(email.id, kit.at(2), "csm-1"))
    assert jobs(store, account.id) == []

    change(store, kit, account.id, lambda a: a.start_milestone(second.id, kit.at(3), "csm-1", kit.POLICY))
    dpa, _assets, slack = load(store, kit.ORG, account.id).milestones[1].actions
    fire, slack_draft = jobs(store, account.id)[::-1]  # ordered by kind: draft, fire
    assert (fire.kind, fire.action_id, fire.due_at, fire.request_id) == ("fire", dpa.id, kit.at(3 + 24), None)
    assert (slack_draft.kind, slack_draft.action_id, slack_draft.request_id) == ("draft", slack.id,
                                                                               slack.draft_request)

    with store.uow() as uow:  # a worker holds the draft job and is retrying it
        [claimed] = uow.due_jobs.claim(kit.at(4), 10, kit.at(4.1))
        uow.due_jobs.retry_later(claimed, 1, kit.at(4.5), "the AI provider timed out")
        [claimed_again] = uow.due_jobs.claim(kit.at(5), 10, kit.at(5.1))
        uow.commit()
    assert claimed.id == claimed_again.id == slack_draft.id and claimed_again.attempts == 1
    change(store, kit, account.id, lambda a: a.change_details({"website": "https://nw.example"}, kit.at(5), "csm-1"))
    fire_after, draft_after = jobs(store, account.id)[::-1]
    assert draft_after == (*slack_draft[:6], kit.at(4.5), kit.at(5.1), 1, "the AI provider timed out")  # untouched
    assert fire_after == fire

    with store.uow() as uow:  # rescheduling a leased fire job gives it the new time and a fresh start
        [held] = [j for j in uow.due_jobs.claim(kit.at(30), 10, kit.at(30.1)) if j.id == fire.id]
        uow.commit()
    change(store, kit, account.id, lambda a: a.reschedule(dpa.id, kit.at(30), "csm-1", delay_hours=48))
    rescheduled = next(j for j in jobs(store, account.id) if j.kind == "fire")
    assert (rescheduled.id, rescheduled.due_at, rescheduled.leased_until, rescheduled.attempts) == (
        fire.id, kit.at(3 + 48), None, 0)
    with store.uow() as uow:  # the worker that held it finds "not due" and drops it: only as claimed
        uow.due_jobs.done(held)
        uow.due_jobs.retry_later(held, 1, kit.at(30.5), "timed out")
        uow.commit()
    assert next(j for j in jobs(store, account.id) if j.kind == "fire") == rescheduled

    change(store, kit, account.id, lambda a: a.archive("customer paused", kit.at(31), "csm-1"))
    assert jobs(store, account.id) == []
    change(store, kit, account.id, lambda a: a.unarchive("back on", kit.at(32), "csm-1"))
    restored = jobs(store, account.id)
    assert [(j.kind, j.action_id, j.request_id) for j in restored] == [("draft", slack.id, slack.draft_request),
                                                                       ("fire", dpa.id, None)]
    assert restored[1].due_at == kit.at(3 + 48)


def test_concurrent_claimers_get_disjoint_jobs(store, kit):
    with store.engine.begin() as db:
        db.execute(due_jobs.insert(), [
            {"id": str(uuid.uuid4()), "org_id": kit.ORG, "account_id": "a", "action_id": str(uuid.uuid4()),
             "kind": "fire", "due_at": kit.at(-i / 100), "attempts": 0} for i in range(1000)])
        db.execute(due_jobs.insert(), [  # not due yet, and due but held by another worker
            {"id": str(uuid.uuid4()), "org_id": kit.ORG, "account_id": "a", "action_id": str(uuid.uuid4()),
             "kind": "fire", "due_at": kit.at(1), "leased_until": None, "attempts": 0},
            {"id": str(uuid.uuid4()), "org_id": kit.ORG, "account_id": "a", "action_id": str(uuid.uuid4()),
             "kind": "fire", "due_at": kit.at(-1), "leased_until": kit.at(0.5), "attempts": 0}])
    with store.uow() as uow:
        assert uow.due_jobs.count_due(kit.T0) == 1000

    def claimer(_):
        got = []
        while True:
            with store.uow() as uow:
                batch = uow.due_jobs.claim(kit.T0, 50, kit.at(1))
                uow.commit()
            if not batch:
                return got
            assert len(batch) <= 50
            got += [job.id for job in batch]

    first, second = all_at_once(2, claimer)
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert not set(first) & set(second)
    assert len(first) + len(second) == len(set(first) | set(second)) == 1000
    assert first and second or store.dialect == "sqlite"  # PostgreSQL's claimers interleave
    with store.uow() as uow:
        assert uow.due_jobs.count_due(kit.T0) == 0
        assert uow.due_jobs.count_due(kit.at(1.5)) == 1002  # the leases ran out; the later job is due


def test_history_rows_are_in_the_history_table(store, kit):
    account = started(kit)
    expected = sorted((h.kind, h.at) for h in account.changes)
    add(store, account)
    with store.uow() as uow:
        uow.set_org(kit.ORG)
        rows = uow.session.execute(select(account_history.c.kind, account_history.c.at).where(
            account_history.c.org_id == kit.ORG, account_history.c.account_id == account.id)).all()
        contacts = uow.session.execute(select(func.count()).select_from(account_contacts).where(
            account_contacts.c.org_id == kit.ORG)).scalar()
        version = uow.session.execute(select(accounts.c.version).where(accounts.c.id == account.id)).scalar()
    assert sorted(tuple(r) for r in rows) == expected
    assert (contacts, version) == (2, 1)


def test_every_field_of_the_aggregate_has_a_column():
    """A field added to the domain without a column would silently not be stored."""
    stored_elsewhere = {"contacts", "milestones", "actions", "collaborators",  # child rows
                        "changes",  # history rows
                        "trigger"}  # trigger_type and delay_hours
    for kind, table in ((Account, accounts), (Contact, account_contacts), (Milestone, account_milestones),
                        (Action, account_actions)):
        fields = {field.name for field in dataclasses.fields(kind)} - stored_elsewhere
        assert fields - set(table.c.keys()) == set(), kind.__name__
    assert {"trigger_type", "delay_hours"} <= set(account_actions.c.keys())
