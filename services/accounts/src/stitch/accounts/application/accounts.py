"""Use cases on the account itself: create (one per deal), describe, own, archive, contacts."""

from __future__ import annotations

import dataclasses
from typing import Any

from stitch.accounts.application.common import Actor, Deps, actor_id, call, finish, on_account
from stitch.accounts.application.ports import DealTaken, UnitOfWork
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.errors import InvalidInput, RuleBroken, Violation
from stitch.accounts.domain.ownership import Access
from stitch.accounts.domain.plan import RevisionSnapshot
from stitch.accounts.domain.states import AccountStatus


@dataclasses.dataclass(frozen=True)
class NewAccount:
    details: dict[str, Any]  # company_name, arr, close_date, industry, …, crm_source, external_id
    contacts: tuple[dict[str, Any], ...] = ()  # the first (or the one marked) is primary
    template_id: str | None = None
    revision_id: str | None = None  # default: the template's newest published revision
    csm_id: str | None = None
    status: AccountStatus = AccountStatus.ACTIVE
    allow_duplicate: bool = False  # a person decided this deal gets a second account
    trust_csm: bool = False  # the workflows service chose the CSM from its own read model


def create_account(deps: Deps, org_id: str, actor: Actor, new: NewAccount, *,
                   request_id: str | None = None, uow: UnitOfWork | None = None) -> tuple[Account, bool]:
    """The account, and whether it was created (False: the deal already had one)."""
    actor = actor_id(actor)  # anyone who works accounts may create one (and name its owner)
    if uow is not None:
        return _create(deps, uow, org_id, actor, new, request_id)
    try:
        with deps.uow() as own:
            own.set_org(org_id)
            result = _create(deps, own, org_id, actor, new, request_id)
            own.commit()
            return result
    except DealTaken:  # a racing request created it a moment ago: it is the deal's account
        with deps.uow() as fresh:
            fresh.set_org(org_id)
            return fresh.accounts.find_by_deal(org_id, new.details["crm_source"], new.details["external_id"]), False


def _create(deps: Deps, uow: UnitOfWork, org_id: str, actor: str | None, new: NewAccount,
            request_id: str | None) -> tuple[Account, bool]:
    source, external_id = new.details.get("crm_source"), new.details.get("external_id")
    existing = uow.accounts.find_by_deal(org_id, source, external_id) if source and external_id else None
    if existing is not None and not new.allow_duplicate:
        return existing, False
    revision = revision_for(uow, org_id, new.template_id, new.revision_id) if new.template_id else None
    if new.csm_id and not new.trust_csm:
        check_csm(uow, org_id, new.csm_id)
    now = deps.clock()
    account = Account.create(account_id=deps.new_id(), org_id=org_id, details=new.details, now=now,
                             actor=actor, status=new.status,
                             duplicate_of=existing.id if existing is not None else None)
    _add_contacts(account, new.contacts, deps, now, actor)
    if new.csm_id:
        account.assign_csm(new.csm_id, now, actor)
    if revision is not None:
        account.apply_template(revision, now, actor, new_id=deps.new_id)
    finish(uow, deps, account, new=True, request_id=request_id)
    return account, True


def _add_contacts(account: Account, contacts: tuple[dict[str, Any], ...], deps: Deps, now, actor) -> None:
    problems = []
    if sum(1 for fields in contacts if isinstance(fields, dict) and fields.get("is_primary") is True) > 1:
        problems.append(Violation("contacts", "at most one primary contact"))
    for index, fields in enumerate(contacts):
        try:
            account.add_contact(deps.new_id(), fields, now, actor)
        except InvalidInput as invalid:
            problems += [dataclasses.replace(v, path=f"contacts.{index}.{v.path}") for v in invalid.violations]
        except RuleBroken as broken:
            problems.append(Violation(f"contacts.{index}.email", broken.message))
    if problems:
        raise InvalidInput(problems)


def revision_for(uow: UnitOfWork, org_id: str, template_id: str, revision_id: str | None) -> RevisionSnapshot:
    state = uow.revisions.template_state(org_id, template_id)
    if state == "archived":
        raise RuleBroken("template.archived", "the template is archived: restore it, or choose another")
    revision = uow.revisions.get(org_id, revision_id) if revision_id else uow.revisions.latest(org_id, template_id)
    if revision is None or revision.template_id != template_id or state == "deleted":
        field = "revision_id" if revision_id else "template_id"
        raise InvalidInput((field, "no published revision of this template is known: publish the template first"))
    return revision


def check_csm(uow: UnitOfWork, org_id: str, csm_id: str, field: str = "csm_id") -> None:
    check_staff(uow, org_id, csm_id, field, owning=True)


def check_staff(uow: UnitOfWork, org_id: str, user_id: str, field: str, *, owning: bool = False) -> None:
    """An active CSM or admin of the organization: the people who own and work accounts."""
    user = uow.staff.get(org_id, user_id)
    if user is None or not user.active:
        raise InvalidInput((field, "must be an active staff user of this organization"))
    if user.role not in ("admin", "csm"):
        doing = "own" if owning else "work on"
        raise InvalidInput((field, f"a {user.role} cannot {doing} accounts: choose a CSM or an admin"))


def change_details(deps: Deps, org_id: str, account_id: str, actor: Actor, changes: dict[str, Any],
                   expected_version: int | None = None) -> Account:
    def change(account: Account, turn) -> list[str]:
        source = changes.get("crm_source", account.crm_source)
        external_id = changes.get("external_id", account.external_id)
        if ("crm_source" in changes or "external_id" in changes) and source and external_id:
            other = turn.uow.accounts.find_by_deal(org_id, source, external_id)
            if other is not None and other.id != account.id:
                raise RuleBroken("account.deal_taken", f"{source} deal {external_id} already has an account",
                                 account_id=other.id)
        return account.change_details(changes, turn.now, turn.actor)

    return on_account(deps, org_id, account_id, actor, change, expected_version=expected_version)[1]


def set_status(deps: Deps, org_id: str, account_id: str, actor: Actor, status: str,
               expected_version: int | None = None) -> Account:
    return on_account(deps, org_id, account_id, actor, call("set_status", status),
                      expected_version=expected_version)[1]


def assign_csm(deps: Deps, org_id: str, account_id: str, actor: Actor, csm_id: str, *,
               note: str = "", keep_previous: bool = False, expected_version: int | None = None,
               request_id: str | None = None, check: bool = True) -> Account:
    """Assign the owner, or transfer the account to another one (with a note for the history)."""
    def change(account: Account, turn) -> bool:
        if check:
            check_csm(turn.uow, org_id, csm_id)
        return account.assign_csm(csm_id, turn.now, turn.actor, note=note, keep_previous=keep_previous)

    return on_account(deps, org_id, account_id, actor, change, expected_version=expected_version,
                      request_id=request_id)[1]


def add_collaborator(deps: Deps, org_id: str, account_id: str, actor: Actor, user_id: str,
                     expected_version: int | None = None) -> Account:
    """A teammate who may view, work the actions of and add notes to the account."""
    def change(account: Account, turn) -> bool:
        check_staff(turn.uow, org_id, user_id, "user_id")
        return account.add_collaborator(user_id, turn.now, turn.actor)

    return on_account(deps, org_id, account_id, actor, change, expected_version=expected_version)[1]


def remove_collaborator(deps: Deps, org_id: str, account_id: str, actor: Actor, user_id: str,
                        expected_version: int | None = None) -> Account:
    """The owner or an admin removes anyone; a collaborator may remove themselves."""
    leaving = actor_id(actor) == user_id
    return on_account(deps, org_id, account_id, actor, call("remove_collaborator", user_id),
                      expected_version=expected_version, needs=Access.COLLABORATE if leaving else Access.OWN)[1]


def archive(deps: Deps, org_id: str, account_id: str, actor: Actor, reason: str,
            expected_version: int | None = None) -> Account:
    return on_account(deps, org_id, account_id, actor, call("archive", reason), expected_version=expected_version)[1]


def unarchive(deps: Deps, org_id: str, account_id: str, actor: Actor, reason: str,
              expected_version: int | None = None) -> Account:
    return on_account(deps, org_id, account_id, actor, call("unarchive", reason),
                      expected_version=expected_version)[1]


def add_contact(deps: Deps, org_id: str, account_id: str, actor: Actor, fields: dict[str, Any],
                expected_version: int | None = None):
    contact_id = deps.new_id()
    return on_account(deps, org_id, account_id, actor, call("add_contact", contact_id, fields),
                      expected_version=expected_version)


def change_contact(deps: Deps, org_id: str, account_id: str, actor: Actor, contact_id: str, changes: dict[str, Any],
                   expected_version: int | None = None) -> Account:
    return on_account(deps, org_id, account_id, actor, call("change_contact", contact_id, changes),
                      expected_version=expected_version)[1]


__all__ = ["NewAccount", "create_account", "change_details", "set_status", "assign_csm", "archive", "unarchive",
           "add_contact", "change_contact", "add_collaborator", "remove_collaborator", "check_csm", "check_staff",
           "revision_for"]
