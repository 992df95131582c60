"""What other services hear: the account's recorded changes, turned into published events.

The portal builds its customer view from these, so everything here is portal-safe by
construction: milestone names and customer descriptions, portal labels and customer-facing task
content, never internal descriptions, notes, drafts or history text. Only the delivery request
(consumed by connectors alone) carries a message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from stitch.accounts.application import events
from stitch.accounts.application.drafting import milestone_values
from stitch.accounts.domain.account import Account
from stitch.accounts.domain.happenings import Happened
from stitch.accounts.domain.merge import fill
from stitch.accounts.domain.plan import Action, Milestone
from stitch.accounts.domain.states import MilestoneState

PORTAL_STATUS = {MilestoneState.PENDING: "not_started", MilestoneState.IN_PROGRESS: "in_progress",
                 MilestoneState.COMPLETED: "completed", MilestoneState.BLOCKED: "blocked"}
ACCOUNT_FIELDS_PUBLISHED = ("company_name", "website", "industry", "company_size", "close_date", "status",
                            "primary_csm_id", "crm_source", "external_id")
TASK_KEYS = {"COLLECT_INFO": ("intro", "fields"), "REQUEST_DOCS": ("instructions", "documents"),
             "REQUEST_ASSETS": ("instructions", "assets")}


def publish_changes(uow: Any, account: Account, values: dict[str, str], request_id: str | None = None) -> None:
    """Publish, in order, what the recorded changes mean to other services (before save clears them).

    ``values`` are the account's merge-field values: a task's intro reaches the customer filled in.
    """
    for happened in account.changes:
        for event_type, data in _events_for(happened, account, values, request_id):
            uow.publish(event_type, data)


def _events_for(h: Happened, account: Account, values: dict[str, str],
                request_id: str | None) -> list[tuple[str, dict]]:
    by = {"by": h.actor} if h.actor else {}
    echo = {"request_id": request_id} if request_id else {}
    match h.kind:
        case "account_created":
            return [(events.ACCOUNT_CREATED, {
                "account_id": account.id, "company_name": account.company_name, "website": account.website,
                "status": account.status.value, "primary_csm_id": account.primary_csm_id,
                "crm_source": account.crm_source, "external_id": account.external_id, "created_at": _iso(h.at),
                **({"created_by": h.actor} if h.actor else {}), **echo,
                **({"duplicate_of": account.duplicate_of} if account.duplicate_of else {})})]
        case "details_changed" | "status_changed":
            changed = h.detail.get("fields") or ["status"]
            changed = [name for name in changed if name in ACCOUNT_FIELDS_PUBLISHED]
            if not changed:
                return []  # notes, ARR and custom fields are internal
            return [(events.ACCOUNT_UPDATED, {
                "account_id": account.id, "changed": changed, "company_name": account.company_name,
                "website": account.website, "status": account.status.value,
                "primary_csm_id": account.primary_csm_id, "updated_at": _iso(h.at),
                **({"updated_by": h.actor} if h.actor else {})})]
        case "archived" | "unarchived":
            event_type = events.ACCOUNT_ARCHIVED if h.kind == "archived" else events.ACCOUNT_UNARCHIVED
            return [(event_type, {"account_id": account.id, f"{h.kind}_at": _iso(h.at),
                                  **({f"{h.kind}_by": h.actor} if h.actor else {})})]
        case "csm_assigned":
            return [(events.CSM_ASSIGNED, {
                "account_id": account.id, "csm_id": h.detail["csm_id"],
                "previous_csm_id": h.detail["previous_csm_id"], "assigned_at": _iso(h.at),
                **({"assigned_by": h.actor} if h.actor else {}), **echo,
                **({"pool_id": h.detail["pool_id"]} if h.detail.get("pool_id") else {})})]  # the note stays internal
        case "collaborator_added" | "collaborator_removed":
            return [(events.COLLABORATORS_CHANGED, {
                "account_id": account.id, "user_id": h.detail["user_id"],
                "change": "added" if h.kind == "collaborator_added" else "removed",
                "collaborator_ids": [c.user_id for c in account.collaborators], "changed_at": _iso(h.at),
                **({"changed_by": h.actor} if h.actor else {})})]
        case "contact_added" | "contact_changed":
            contact = account.contact(h.detail["contact_id"])
            event_type = events.CONTACT_ADDED if h.kind == "contact_added" else events.CONTACT_CHANGED
            return [(event_type, {
                "account_id": account.id, "contact_id": contact.id, "name": contact.name, "email": contact.email,
                "title": contact.title, "role": contact.role, "is_primary": contact.is_primary,
                "changed_at": _iso(h.at)})]
        case "template_applied":
            return [(events.TEMPLATE_APPLIED, {
                "account_id": account.id, "template_id": h.detail["template_id"],
                "revision_id": h.detail["revision_id"], "revision": h.detail["revision"],
                "applied_at": _iso(h.at), **({"applied_by": h.actor} if h.actor else {}),
                "reapplied": h.detail["reapplied"], **echo,
                "milestones": [portal_milestone(m) for m in account.milestones],
                "actions": [portal_action(a, account, values) for a in account.actions() if a.portal_visible]})]
        case kind if kind in events.MILESTONE_EVENTS:
            milestone = account.milestone(h.milestone_id)
            return [(events.MILESTONE_EVENTS[kind], {"account_id": account.id,
                                                     "milestone": portal_milestone(milestone),
                                                     "at": _iso(h.at), **by})]
        case kind if kind in events.ACTION_EVENTS or kind == "delivery_failed":
            return _action_event(h, account, values, by)
        case "delivery_requested":
            return [(events.DELIVERY_REQUESTED, {
                "request_id": h.detail["request_id"], "account_id": account.id, "action_id": h.action_id,
                "channel": h.detail["channel"], "requested_at": _iso(h.at), "auto_sent": h.detail["auto_sent"],
                **({"requested_by": h.actor} if h.actor else {}), **h.detail["delivery"]})]
    return []  # drafts, edits, schedules, removals: history only


def _action_event(h: Happened, account: Account, values: dict[str, str], by: dict) -> list[tuple[str, dict]]:
    try:
        action = account.action(h.action_id)
    except LookupError:
        return []
    data = {"account_id": account.id, "action_id": action.id, "milestone_id": action.milestone_id,
            "type": action.type.value, "state": action.state.value, "portal_visible": action.portal_visible,
            "at": _iso(h.at), **by, "portal": portal_action(action, account, values) if action.portal_visible else None,
            "auto_sent": h.kind == "action_executed" and bool(h.detail.get("auto_sent"))}
    if h.kind == "delivery_failed":
        return [(events.ACTION_FAILED, {**data, "error": {"code": h.detail["code"], "message": h.detail["message"]}})]
    return [(events.ACTION_EVENTS[h.kind], data)]


def portal_milestone(milestone: Milestone) -> dict[str, Any]:
    return {"milestone_id": milestone.id, "sequence": milestone.sequence, "name": milestone.name,
            "customer_description": milestone.customer_description, "status": PORTAL_STATUS[milestone.state],
            "block_note": milestone.block_note if milestone.state is MilestoneState.BLOCKED else None,
            "target_date": _iso(milestone.target_date), "started_at": _iso(milestone.started_at),
            "completed_at": _iso(milestone.completed_at)}


def portal_action(action: Action, account: Account, values: dict[str, str]) -> dict[str, Any]:
    """The customer's view of an action; due when its milestone is (the customer's deadline)."""
    keys = TASK_KEYS.get(action.type.value)
    task = None
    if keys:
        text_key, list_key = keys
        task = {text_key: fill(action.content.get(text_key, ""), values | milestone_values(account, action))[0],
                list_key: action.content.get(list_key, [])}
    return {"action_id": action.id, "milestone_id": action.milestone_id, "type": action.type.value,
            "label": action.customer_label, "blocker": action.blocker, "position": action.position,
            "due_at": _iso(account.milestone(action.milestone_id).target_date), "state": action.state.value,
            "task": task}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
