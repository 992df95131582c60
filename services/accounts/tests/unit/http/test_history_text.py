"""The history in plain words: every kind of entry has its own sentence, naming what the account
calls things now, and failures say what went wrong and whether trying again may help."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stitch.accounts.domain.happenings import KINDS, Happened
from stitch.accounts.entrypoints import history_text
from stitch.accounts.entrypoints.history_text import failure_text, last_error_text, sentence

AT = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
LABELS = {"m-1": "Setup", "a-1": "Welcome email", "c-1": "Jo Doe", "u-2": "Pat Lee"}

# One entry of each kind as the domain records it (detail shapes from domain/*.py), and words its
# sentence must hold. A kind added to KINDS without a row here fails test_every_kind_has_a_sentence.
EXAMPLES: dict[str, tuple[dict, str]] = {
    "account_created": ({"status": "active", "duplicate_of": None}, "Account created"),
    "details_changed": ({"fields": ["company_name", "arr"]}, "Details changed: company name, ARR"),
    "status_changed": ({"from": "active", "to": "at_risk"}, "Status changed from active to at risk"),
    "archived": ({"reason": "Deal lost."}, "Account archived: Deal lost"),
    "unarchived": ({"reason": "Back on"}, "Account unarchived: Back on"),
    "csm_assigned": ({"csm_id": "u-2", "previous_csm_id": "u-1", "note": "Holiday cover"},
                     "Account transferred to Pat Lee: Holiday cover"),
    "contact_added": ({"contact_id": "c-1", "primary": True}, "Contact Jo Doe added as the primary contact"),
    "contact_changed": ({"contact_id": "c-1", "fields": ["title"]}, "Contact Jo Doe changed: title"),
    "template_applied": ({"template_name": "Standard onboarding", "revision": 2, "reapplied": False},
                         "Template “Standard onboarding” (revision 2) applied"),
    "milestone_started": ({}, "Milestone “Setup” started"),
    "milestone_completed": ({}, "Milestone “Setup” completed"),
    "milestone_blocked": ({"note": "Waiting on the signed DPA"},
                          "Milestone “Setup” blocked: Waiting on the signed DPA"),
    "milestone_unblocked": ({"state": "in_progress"}, "Milestone “Setup” unblocked"),
    "action_added": ({"label": "Welcome email", "type": "SEND_EMAIL"}, "“Welcome email” added to milestone “Setup”"),
    "action_edited": ({}, "“Welcome email” edited"),
    "action_removed": ({"label": "Welcome email"}, "“Welcome email” removed from milestone “Setup”"),
    "action_scheduled": ({"due_at": "2026-11-23T09:30:00+00:00"},
                         "“Welcome email” scheduled for 23 Nov 2026 at 09:30 UTC"),
    "action_rescheduled": ({"delay_hours": 5, "due_at": None},
                           "“Welcome email” rescheduled to 5 hours after its milestone starts"),
    "draft_requested": ({"request_id": "r-1", "instructions": "Shorter"},
                        "A new draft of “Welcome email” was asked for: Shorter"),
    "draft_written": ({"number": 2, "written_by": "ai", "warnings": ["{{ae_name}} has no value for this account"]},
                      "Draft 2 of “Welcome email” written by the AI writer, with warnings to check: "
                      "{{ae_name}} has no value for this account"),
    "draft_edited": ({"fields": ["subject", "to"]}, "Draft of “Welcome email” edited: subject, recipients"),
    "action_ready": ({}, "“Welcome email” is ready for review"),
    "action_approved": ({"auto_sent": True}, "“Welcome email” approved automatically (auto-send)"),
    "delivery_requested": ({"channel": "email", "auto_sent": False},
                           "“Welcome email” handed over for delivery by email"),
    "action_executed": ({"channel": "email", "auto_sent": False}, "“Welcome email” delivered by email"),
    "delivery_failed": ({"code": "mailbox_full", "message": "the mailbox is full"},
                        "Could not send “Welcome email”: the mailbox is full (retrying may help)"),
    "action_completed": ({"done_outside": True}, "“Welcome email” marked done (done outside Stitch)"),
    "action_skipped": ({"reason": "Not needed", "withdrawn_from_portal": True},
                       "“Welcome email” skipped, and withdrawn from the customer's portal: Not needed"),
    "customer_submitted": ({"submission_id": "s-1"}, "The customer submitted “Welcome email”"),
    "viewed_as_customer": ({}, "The portal was previewed as this customer"),
    "auto_send_held": ({"code": "action.auto_send.draft_has_warnings",
                        "message": "the draft has warnings to check: {{ae_name}} has no value"},
                       "“Welcome email” was not sent automatically: the draft has warnings to check: "
                       "{{ae_name}} has no value"),
    "collaborator_added": ({"user_id": "u-2"}, "Pat Lee added as a collaborator"),
    "collaborator_removed": ({"user_id": "u-2", "reason": "became_owner"},
                             "Pat Lee is no longer a collaborator: they own the account now"),
    "note_added": ({"note_id": "n-1"}, "Internal note added"),
    "note_edited": ({"note_id": "n-1"}, "Internal note edited"),
    "note_deleted": ({"note_id": "n-1"}, "Internal note deleted"),
}


def entry(kind: str, detail: dict, *, action_id: str | None = "a-1", milestone_id: str | None = "m-1") -> Happened:
    return Happened(kind, AT, "u-1", milestone_id=milestone_id, action_id=action_id, detail=detail)


def test_every_kind_has_a_sentence():
    assert set(history_text.SENTENCES) == KINDS, "a kind without a sentence (or a sentence without a kind)"
    assert set(EXAMPLES) == KINDS, "add an example of the new kind to EXAMPLES"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_reads_as_one_plain_sentence(kind):
    detail, expected = EXAMPLES[kind]
    assert sentence(entry(kind, detail), LABELS) == expected


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_sentence_never_shows_ids_or_placeholders_of_python(kind):
    """Without labels (a removed action, an unknown person) a sentence still reads: no id, no None."""
    detail, _ = EXAMPLES[kind]
    text = sentence(entry(kind, detail), {})
    assert text[:1].isupper() or text.startswith("“")
    assert not {"None", "a-1", "m-1", "c-1", "u-2", "{}", "[]"} & set(text.replace(":", " ").replace(",", " ").split())


def test_an_action_since_removed_is_named_by_the_label_its_entry_kept():
    removed = entry("action_removed", {"label": "Old call"})
    assert sentence(removed, {"m-1": "Setup"}) == "“Old call” removed from milestone “Setup”"
    assert sentence(entry("action_ready", {}), {}) == "An action is ready for review"


@pytest.mark.parametrize("code, retryable, hint", [
    ("timeout", None, True), ("bot_not_in_channel", None, False), ("rejected", True, True), ("timeout", False, False)])
def test_a_failure_says_whether_retrying_may_help(code, retryable, hint):
    """The connectors' retryable flag decides when the entry kept it; else the code."""
    detail = {"code": code, "message": "The Stitch app is not in #acme.", **(
        {"retryable": retryable} if retryable is not None else {})}
    text = sentence(entry("delivery_failed", detail), LABELS)
    assert text.startswith("Could not send “Welcome email”: The Stitch app is not in #acme")
    assert text.endswith("(retrying may help)") is hint and "#acme." not in text


def test_an_actions_last_error_in_plain_words():
    failed = {"code": "timeout", "message": "The mail server did not answer.", "at": AT.isoformat()}
    assert last_error_text("Welcome email", failed) == (
        "Could not send “Welcome email”: The mail server did not answer (retrying may help)")
    held = {"code": "action.auto_send.draft_has_warnings", "message": "not sent automatically: check the draft"}
    assert last_error_text("Welcome email", held) == "Not sent automatically: check the draft"
    assert failure_text(None, "refused", code="rejected") == "could not send an action: refused"


def test_a_draft_without_warnings_and_a_first_request_read_simply():
    assert sentence(entry("draft_written", {"number": 1, "written_by": "offline", "warnings": []}), LABELS) == (
        "Draft 1 of “Welcome email” written from the template")
    assert sentence(entry("draft_requested", {"request_id": "r", "instructions": ""}), LABELS) == (
        "A draft of “Welcome email” is being written")
