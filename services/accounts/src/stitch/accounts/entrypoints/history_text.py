"""An account's history in plain words: one sentence per entry, for the CSM reading it.

A sentence is drawn from the entry's kind and detail, naming milestones, actions and contacts by
what the account calls them now (``labels_of``); an action since removed is named by the label
its entry kept, or "an action". Failures say what went wrong as connectors reported it and
whether trying again may help. Every kind in domain/happenings.py KINDS has a sentence (a unit
test fails on a kind without one); an unknown kind still reads as its words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from stitch.accounts.domain.happenings import Happened

Labels = Mapping[str, str]  # milestone, action and contact ids → names (people are "a teammate", "the owner")

# Connectors says whether a retry may work (connectors.delivery_failed.v1 error.retryable); the
# history keeps the code and message, so these codes stand for "retryable" when the flag is absent.
RETRYABLE_CODES = frozenset({"timeout", "rate_limited", "temporarily_unavailable", "unavailable", "server_error",
                             "mailbox_full"})
CHANNELS = {"email": "by email", "slack": "in Slack", "calendar": "as a calendar invitation",
            "portal": "to the customer's portal"}
FIELD_WORDS = {"company_name": "company name", "arr": "ARR", "close_date": "close date", "notes": "internal notes",
               "crm_notes": "CRM notes", "custom_fields": "custom fields", "crm_source": "CRM",
               "external_id": "CRM deal", "ae_email": "AE email", "is_primary": "primary contact", "to": "recipients",
               "duration_minutes": "duration"}


def labels_of(account: Any) -> dict[str, str]:
    """What the account calls its milestones, actions and contacts now, by id."""
    labels = {milestone.id: milestone.name for milestone in account.milestones}
    labels |= {action.id: action.label for action in account.actions()}
    return labels | {contact.id: contact.name for contact in account.contacts}


def sentence(entry: Happened, labels: Labels | None = None) -> str:
    write = SENTENCES.get(entry.kind)
    text = write(_Said(entry, labels or {})) if write else entry.kind.replace("_", " ")
    return text[:1].upper() + text[1:]


def failure_text(label: str | None, message: str, *, code: str = "", retryable: bool | None = None) -> str:
    """A delivery that failed, e.g. could not send “Welcome email”: the mailbox is full (retrying may help)."""
    if retryable is None:
        retryable = code in RETRYABLE_CODES
    what = f"“{label}”" if label else "an action"
    return f"could not send {what}: {_clause(message)}" + (" (retrying may help)" if retryable else "")


def last_error_text(label: str, error: Mapping[str, Any]) -> str:
    """An action's last error as one sentence: a held auto-send says so, a failed delivery what failed."""
    code, message = str(error.get("code", "")), str(error.get("message", ""))
    if code.startswith("action."):  # the engine's own refusal (a held auto-send), not a delivery
        text = _clause(message)
    else:
        text = failure_text(label, message, code=code, retryable=error.get("retryable"))
    return text[:1].upper() + text[1:]


class _Said:
    """One entry with the names its sentence uses."""

    def __init__(self, entry: Happened, labels: Labels) -> None:
        self.entry, self.detail, self.labels = entry, entry.detail or {}, labels

    @property
    def action_label(self) -> str | None:
        return self.labels.get(self.entry.action_id or "") or self.detail.get("label")

    @property
    def action(self) -> str:
        return f"“{self.action_label}”" if self.action_label else "an action"

    @property
    def milestone(self) -> str:
        name = self.labels.get(self.entry.milestone_id or "")
        return f"milestone “{name}”" if name else "a milestone"

    def person(self, key: str, otherwise: str) -> str:
        return self.labels.get(self.detail.get(key) or "", otherwise)

    def contact(self) -> str:
        name = self.labels.get(self.detail.get("contact_id") or "")
        return f"contact {name}" if name else "a contact"

    def fields(self) -> str:
        return ", ".join(FIELD_WORDS.get(name, name.replace("_", " ")) for name in self.detail.get("fields") or ())

    def why(self, key: str) -> str:
        text = str(self.detail.get(key) or "").strip()
        return f": {_clause(text)}" if text else ""


def _clause(text: str) -> str:
    """A message inside a sentence: one trailing full stop dropped (the sentence has none)."""
    text = " ".join(text.split())
    return text[:-1] if text.endswith(".") and not text.endswith("..") else text


def _when(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.utcoffset() is None:
        return str(value)
    moment = moment.astimezone(UTC)
    return f"{moment:%d %b %Y} at {moment:%H:%M} UTC"


def _account_created(e: _Said) -> str:
    text = "account created"
    if e.detail.get("duplicate_of"):
        text += " as a second account for the same deal"
    return text + (", waiting for the AE's handoff" if e.detail.get("status") == "pending_handoff" else "")


def _csm_assigned(e: _Said) -> str:
    owner = e.person("csm_id", "")
    if e.detail.get("previous_csm_id"):
        text = f"account transferred to {owner}" if owner else "account transferred to another owner"
    else:
        text = f"{owner} now owns the account" if owner else "an owner was assigned"
    return text + (" from a CSM pool" if e.detail.get("pool_id") else "") + e.why("note")


def _template_applied(e: _Said) -> str:
    name = e.detail.get("template_name")
    template = (f"template “{name}”" if name else "a template") + (
        f" (revision {e.detail['revision']})" if e.detail.get("revision") else "")
    if not e.detail.get("reapplied"):
        return f"{template} applied"
    sent = e.detail.get("sent_before_reset") or 0
    kept = f"; the {sent} already sent stay in the history" if sent else ""
    return f"{template} applied again: every milestone and action started over{kept}"


def _rescheduled(e: _Said) -> str:
    if e.detail.get("due_at"):
        return f"{e.action} rescheduled for {_when(e.detail['due_at'])}"
    return f"{e.action} rescheduled to {e.detail.get('delay_hours', 0)} hours after its milestone starts"


def _draft_written(e: _Said) -> str:
    number = e.detail.get("number") or 1
    by = {"ai": " by the AI writer", "offline": " from the template"}.get(str(e.detail.get("written_by")), "")
    text = f"draft {number} of {e.action} written{by}"
    warnings = [_clause(str(w)) for w in e.detail.get("warnings") or ()]
    return text + (f", with warnings to check: {'; '.join(warnings)}" if warnings else "")


def _executed(e: _Said) -> str:
    channel = e.detail.get("channel")
    if channel == "portal":
        verb = "published automatically" if e.detail.get("auto_sent") else "published"
        return f"{e.action} {verb} to the customer's portal"
    verb = "sent automatically" if e.detail.get("auto_sent") else "delivered"
    return f"{e.action} {verb} {CHANNELS.get(channel, '')}".rstrip()


def _skipped(e: _Said) -> str:
    withdrawn = ", and withdrawn from the customer's portal" if e.detail.get("withdrawn_from_portal") else ""
    return f"{e.action} skipped{withdrawn}{e.why('reason')}"


def _collaborator(e: _Said) -> str:
    who = e.person("user_id", "a teammate")
    if e.entry.kind == "collaborator_added":
        return f"{who} added as a collaborator"
    if e.detail.get("reason") == "became_owner":
        return f"{who} is no longer a collaborator: they own the account now"
    return f"{who} removed as a collaborator"


SENTENCES: dict[str, Callable[[_Said], str]] = {
    "account_created": _account_created,
    "details_changed": lambda e: f"details changed: {e.fields()}" if e.fields() else "details changed",
    "status_changed": lambda e: "status changed from {} to {}".format(
        *(str(e.detail.get(k, "?")).replace("_", " ") for k in ("from", "to"))),
    "archived": lambda e: "account archived" + e.why("reason"),
    "unarchived": lambda e: "account unarchived" + e.why("reason"),
    "csm_assigned": _csm_assigned,
    "contact_added": lambda e: f"{e.contact()} added" + (" as the primary contact" if e.detail.get("primary") else ""),
    "contact_changed": lambda e: f"{e.contact()} changed" + (f": {e.fields()}" if e.fields() else ""),
    "template_applied": _template_applied,
    "milestone_started": lambda e: f"{e.milestone} started",
    "milestone_completed": lambda e: f"{e.milestone} completed",
    "milestone_blocked": lambda e: f"{e.milestone} blocked" + e.why("note"),
    "milestone_unblocked": lambda e: f"{e.milestone} unblocked",
    "action_added": lambda e: f"{e.action} added to {e.milestone}",
    "action_edited": lambda e: f"{e.action} edited",
    "action_removed": lambda e: f"{e.action} removed from {e.milestone}",
    "action_scheduled": lambda e: f"{e.action} scheduled for {_when(e.detail.get('due_at'))}",
    "action_rescheduled": _rescheduled,
    "draft_requested": lambda e: (f"a new draft of {e.action} was asked for" + e.why("instructions")
                                  if e.detail.get("instructions") else f"a draft of {e.action} is being written"),
    "draft_written": _draft_written,
    "draft_edited": lambda e: f"draft of {e.action} edited" + (f": {e.fields()}" if e.fields() else ""),
    "action_ready": lambda e: (f"{e.action} is waiting for review before the customer sees it"
                               if e.detail.get("held_for_review") else f"{e.action} is ready for review"),
    "action_approved": lambda e: f"{e.action} approved" + (" automatically (auto-send)" if e.detail.get("auto_sent")
                                                          else ""),
    "delivery_requested": lambda e: f"{e.action} handed over for delivery {CHANNELS.get(e.detail.get('channel'), '')}"
                                    .rstrip(),
    "action_executed": _executed,
    "delivery_failed": lambda e: failure_text(e.action_label, str(e.detail.get("message", "")),
                                              code=str(e.detail.get("code", "")), retryable=e.detail.get("retryable")),
    "action_completed": lambda e: f"{e.action} marked done (done outside Stitch)" if e.detail.get("done_outside")
                                  else f"{e.action} completed",
    "action_skipped": _skipped,
    "customer_submitted": lambda e: f"the customer submitted {e.action}",
    "viewed_as_customer": lambda e: "the portal was previewed as this customer",
    "auto_send_held": lambda e: f"{e.action} was not sent automatically" + e.why("message"),
    "collaborator_added": _collaborator,
    "collaborator_removed": _collaborator,
    "note_added": lambda e: "internal note added",
    "note_edited": lambda e: "internal note edited",
    "note_deleted": lambda e: "internal note deleted",
}
