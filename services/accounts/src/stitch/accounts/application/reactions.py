"""What the accounts service does when other parts announce something (consumer handlers).

Each runs inside the consumer's transaction with the org already set, so its writes and the
inbox row commit together. Read models take only the fields they need (tolerant reader); an event
that cannot be understood is a PermanentFailure (dead-lettered, never dropped).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from stitch.accounts.application import accounts as account_cases
from stitch.accounts.application import events, pools
from stitch.accounts.application.catalog import CatalogEntry
from stitch.accounts.application.common import Deps, on_account
from stitch.accounts.application.plan import apply_template
from stitch.accounts.application.ports import Organization, StaffUser, UnitOfWork
from stitch.accounts.domain.errors import InvalidInput, NotFound, RuleBroken
from stitch.accounts.domain.plan import RevisionSnapshot
from stitch.accounts.domain.states import AccountStatus
from stitch.common.messaging.errors import PermanentFailure, understood

log = logging.getLogger(__name__)
Handler = Callable[[Any, UnitOfWork], None]


def handlers(deps: Deps) -> dict[str, Handler]:
    def on(function):
        return lambda event, uow: _understood(event, lambda: function(deps, event, str(event.orgid), event.data, uow))

    return {
        events.TEMPLATE_PUBLISHED: on(_template_published),
        events.TEMPLATE_ARCHIVED: on(_template_state("archived")),
        events.TEMPLATE_RESTORED: on(_template_state("active")),
        events.TEMPLATE_DELETED: on(_template_state("deleted")),
        events.ORGANIZATION_CREATED: on(_organization),
        events.ORGANIZATION_UPDATED: on(_organization),
        events.USER_CREATED: on(_staff_user),
        events.USER_UPDATED: on(_staff_user),
        events.USER_DEACTIVATED: on(_staff_user),
        events.CONNECTION_CHANGED: on(_connection_changed),
        events.DELIVERY_SUCCEEDED: on(_delivery_succeeded),
        events.DELIVERY_FAILED: on(_delivery_failed),
        events.SUBMISSION_RECEIVED: on(_submission_received),
        events.CONTACT_INVITED: on(_contact_invited),
        events.VIEWED_AS_CUSTOMER: on(_viewed_as_customer),
        events.CREATE_ACCOUNT_REQUESTED: on(_create_account_requested),
        events.ASSIGN_CSM_REQUESTED: on(_assign_csm_requested),
        events.APPLY_TEMPLATE_REQUESTED: on(_apply_template_requested),
    }


def _understood(event: Any, run: Callable[[], None]) -> None:
    understood(event, run, refusals=(InvalidInput, RuleBroken))  # commands this service will never accept as sent


def _template_published(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
    revision = RevisionSnapshot(template_id=str(data["template_id"]), revision_id=str(data["revision_id"]),
                                revision=int(data["revision"]), name=str(data["name"]),
                                milestones=tuple(data["milestones"]))
    published_at = datetime.fromisoformat(data["published_at"])
    uow.revisions.add(org_id, revision, published_at)
    # The catalog shows the newest published name (a rename reaches it with the next revision).
    uow.template_catalog.upsert(CatalogEntry(org_id=org_id, template_id=revision.template_id, name=revision.name,
                                             created_at=published_at, recorded_at=deps.clock()))
    if uow.revisions.template_state(org_id, revision.template_id) is None:
        uow.revisions.set_template_state(org_id, revision.template_id, "active")


def _template_state(state: str):
    def handle(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
        uow.revisions.set_template_state(org_id, str(data["template_id"]), state)
    return handle


def _organization(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
    uow.organizations.upsert(Organization(str(data["organization_id"]), str(data["name"]), str(data["slug"])))


def _staff_user(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
    user = StaffUser(user_id=str(data["user_id"]), name=str(data["name"]), email=str(data["email"]),
                     role=str(data["role"]), active=data["status"] == "active")
    uow.staff.upsert(org_id, user, datetime.fromisoformat(data["updated_at"]))


def _connection_changed(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
    uow.connections.upsert(org_id, str(data["provider"]), str(data["status"]),
                           datetime.fromisoformat(data["changed_at"]))


def _delivery_succeeded(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
    detail = {"provider_message_id": data["provider_message_id"]} if data.get("provider_message_id") else {}
    _on_known_account(deps, uow, org_id, data, lambda account, turn: account.delivery_succeeded(
        str(data["request_id"]), turn.now, detail))


def _delivery_failed(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
    error = data["error"]
    _on_known_account(deps, uow, org_id, data, lambda account, turn: account.delivery_failed(
        str(data["request_id"]), str(error["code"]), str(error["message"]), turn.now,
        retryable=error["retryable"] if isinstance(error.get("retryable"), bool) else None))


def _submission_received(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
    def change(account, turn):
        try:
            return account.customer_submitted(str(data["action_id"]), str(data["submission_id"]), turn.now)
        except NotFound:  # the plan was reset since the task was published; the portal keeps the answers
            log.warning("submission %s for an action no longer on account %s", data["submission_id"], account.id)
            return False
    _on_known_account(deps, uow, org_id, data, change)


def _contact_invited(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
    """A contact the portal invited that accounts does not know is a teammate the customer added."""
    def change(account, turn):
        if any(c.id == data["contact_id"] or c.email.casefold() == str(data["email"]).casefold()
               for c in account.contacts):
            return
        name = str(data.get("name") or "").strip() or str(data["email"]).split("@")[0]
        account.add_contact(str(data["contact_id"]), {"name": name, "email": str(data["email"])}, turn.now,
                            data.get("invited_by"), writable_check=False)
    _on_known_account(deps, uow, org_id, data, change)


def _viewed_as_customer(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
    _on_known_account(deps, uow, org_id, data, lambda account, turn: account.viewed_as_customer(
        datetime.fromisoformat(data["viewed_at"]), str(data["viewed_by"])))


def _on_known_account(deps: Deps, uow: UnitOfWork, org_id: str, data: dict, change) -> None:
    try:
        on_account(deps, org_id, str(data["account_id"]), None, change, uow=uow)
    except NotFound as missing:
        raise PermanentFailure(f"no account {data['account_id']} in this organization") from missing


def _answering(command: str, act: Callable[[Deps, dict, str, UnitOfWork], tuple[str, str | None]]):
    """A workflows command: acted on once per request_id, and always answered.

    ``act`` returns the outcome ("done" or "unchanged") and the account. A refusal (bad input, a
    broken rule, an unknown account) is an answer too: the workflow learns why and moves on, rather
    than the command sitting in dead letters while the run waits.
    """
    def handle(deps: Deps, event, org_id: str, data: dict, uow: UnitOfWork) -> None:
        request_id = str(data["request_id"])
        if uow.requests.seen(org_id, request_id):
            return  # the same command again (a retry with a new event id): acted on and answered before
        reason = None
        try:
            outcome, account_id = act(deps, data, org_id, uow)
        except (InvalidInput, RuleBroken, NotFound) as refused:
            outcome, account_id = "refused", data.get("account_id")
            reason = {"code": getattr(refused, "rule", None) or type(refused).__name__, "message": str(refused)}
        now = deps.clock()
        uow.requests.record(org_id, request_id, command, outcome, account_id, now)
        uow.publish(events.REQUEST_ANSWERED, {
            "request_id": request_id, "command": command, "outcome": outcome, "account_id": account_id,
            "answered_at": now.isoformat(), **({"reason": reason} if reason else {})})
    return handle


def _create_account(deps: Deps, data: dict, org_id: str, uow: UnitOfWork) -> tuple[str, str | None]:
    details = {key: data.get(key) for key in ("company_name", "industry", "company_size", "website", "notes")
               if data.get(key) is not None}
    if data.get("arr") is not None:
        details["arr"] = Decimal(str(data["arr"]))
    if data.get("close_date"):
        details["close_date"] = datetime.fromisoformat(data["close_date"]).date()
    details |= {"crm_source": str(data["crm_source"]), "external_id": str(data["external_id"])}
    contact = data.get("primary_contact")
    new = account_cases.NewAccount(
        details=details, contacts=(contact,) if contact else (), template_id=data.get("template_id"),
        csm_id=data.get("csm_id"), status=AccountStatus.PENDING_HANDOFF, trust_csm=True,
        allow_duplicate=bool(data.get("allow_duplicate", False)))
    account, created = account_cases.create_account(deps, org_id, None, new, request_id=str(data["request_id"]),
                                                    uow=uow)
    return ("done" if created else "unchanged"), account.id


def _assign_csm(deps: Deps, data: dict, org_id: str, uow: UnitOfWork) -> tuple[str, str | None]:
    """The CSM named by the workflow, or the one its pool's rule chooses (refused pool.full when
    nobody in the pool can take the account)."""
    csm_id, pool_id = _one_owner_source(data)
    account_id, request_id = str(data["account_id"]), str(data["request_id"])
    if pool_id is not None:
        changed, account = pools.assign_one(deps, uow, org_id, account_id, None, pool_id, request_id=request_id)
    else:
        changed, account = on_account(deps, org_id, account_id, None, lambda account, turn: (
            account.assign_csm(csm_id, turn.now, None)), request_id=request_id, uow=uow)
    return ("done" if changed else "unchanged"), account.id


def _one_owner_source(data: dict) -> tuple[str | None, str | None]:
    csm_id, pool_id = data.get("csm_id"), data.get("pool_id")
    if (csm_id is None) == (pool_id is None):
        raise InvalidInput(("pool_id" if csm_id is not None else "csm_id", "give exactly one of csm_id and pool_id"))
    return (str(csm_id), None) if csm_id is not None else (None, str(pool_id))


def _apply_template(deps: Deps, data: dict, org_id: str, uow: UnitOfWork) -> tuple[str, str | None]:
    account = apply_template(deps, org_id, str(data["account_id"]), None, str(data["template_id"]),
                             data.get("revision_id"), confirm_reset=bool(data.get("reapply", False)),
                             request_id=str(data["request_id"]), uow=uow)
    return "done", account.id


_create_account_requested = _answering("create_account", _create_account)
_assign_csm_requested = _answering("assign_csm", _assign_csm)
_apply_template_requested = _answering("apply_template", _apply_template)
