"""Builders for the actions the offline drafter writes.

Each returns one action of a template document (docs/templates/format.md) as plain data, so the
phase catalogue (offline_phases.py) reads as onboarding content rather than as JSON plumbing.
Everything here is our own wording: user text never reaches these fields (it may hold ``{{...}}``).
"""

from __future__ import annotations

from typing import Any

from stitch.templates.domain.content import (ACCOUNT_CHANNEL, COLLECT_INFO, REQUEST_ASSETS, REQUEST_DOCS,
                                             SCHEDULE_MEETING, SEND_EMAIL, SLACK)
from stitch.templates.domain.plan import MANUAL, MILESTONE_START

Action = dict[str, Any]
Field = dict[str, Any]


def email(label: str, subject: str, body: str, *, delay_hours: int = 0, to: tuple[str, ...] = ("primary_contact",),
          cc: tuple[str, ...] = (), description: str = "", in_portal: bool = True) -> Action:
    return _action(SEND_EMAIL, label, description, _at_start(delay_hours), in_portal=in_portal,
                   content={"subject": subject, "body": body, "to": list(to), "cc": list(cc), "bcc": []})


def reminder(label: str, subject: str, body: str, *, delay_hours: int = 72) -> Action:
    """A nudge some days into the milestone; kept out of the portal, where the task itself already shows."""
    return email(label, subject, body, delay_hours=delay_hours, in_portal=False,
                 description="Skip it if the customer has already done the task.")


def meeting(label: str, title: str, agenda: str, *, minutes: int = 60,
            attendees: tuple[str, ...] = ("primary_contact", "csm"), description: str = "") -> Action:
    # Meetings are booked by hand once both sides agree on a time, hence the manual trigger.
    return _action(SCHEDULE_MEETING, label, description, {"type": MANUAL}, in_portal=True,
                   content={"title": title, "duration_minutes": minutes, "agenda": agenda,
                            "attendees": list(attendees), "location": ""})


def slack(label: str, message: str, *, delay_hours: int = 0) -> Action:
    return _action(SLACK, label, "", _at_start(delay_hours), in_portal=False,
                   content={"channel": ACCOUNT_CHANNEL, "message": message})


def form(label: str, intro: str, *fields: Field, blocker: bool = False, description: str = "") -> Action:
    return _action(COLLECT_INFO, label, description, _at_start(0), in_portal=True, blocker=blocker,
                   content={"intro": intro, "fields": list(fields)})


def documents(label: str, instructions: str, *items: dict[str, Any], blocker: bool = False) -> Action:
    return _action(REQUEST_DOCS, label, "", _at_start(0), in_portal=True, blocker=blocker,
                   content={"instructions": instructions, "documents": list(items)})


def document(name: str, description: str, formats: tuple[str, ...], *, required: bool = True,
             max_files: int = 1) -> dict[str, Any]:
    return {"name": name, "description": description, "formats": list(formats), "required": required,
            "max_files": max_files}


def assets(label: str, instructions: str, *items: dict[str, Any], blocker: bool = False) -> Action:
    return _action(REQUEST_ASSETS, label, "", _at_start(0), in_portal=True, blocker=blocker,
                   content={"instructions": instructions, "assets": list(items)})


def asset(name: str, description: str, formats: tuple[str, ...], *, dimensions: str = "",
          required: bool = True) -> dict[str, Any]:
    return {"name": name, "description": description, "formats": list(formats), "required": required,
            "max_files": 1, "dimensions": dimensions}


# -- form fields ---------------------------------------------------------------------------------
def text_field(key: str, label: str, *, required: bool = False, help_text: str = "", placeholder: str = "",
               long: bool = False) -> Field:
    return {"key": key, "label": label, "type": "textarea" if long else "text", "required": required,
            "help_text": help_text, "placeholder": placeholder}


def choice_field(key: str, label: str, options: tuple[str, ...], *, several: bool = False,
                 required: bool = False, help_text: str = "") -> Field:
    field = {"key": key, "label": label, "type": "multiple_choice" if several else "dropdown",
             "required": required, "help_text": help_text, "options": list(options)}
    if several:
        field["allow_multiple"] = True
    return field


def checkbox_field(key: str, label: str, *, required: bool = False, help_text: str = "") -> Field:
    return {"key": key, "label": label, "type": "checkbox", "required": required, "help_text": help_text}


def date_field(key: str, label: str, *, required: bool = False, help_text: str = "") -> Field:
    return {"key": key, "label": label, "type": "date", "required": required, "help_text": help_text}


def file_field(key: str, label: str, formats: tuple[str, ...], *, required: bool = False,
               help_text: str = "") -> Field:
    return {"key": key, "label": label, "type": "file", "required": required, "help_text": help_text,
            "formats": list(formats), "max_files": 1}


# -- internals -----------------------------------------------------------------------------------
def _at_start(delay_hours: int) -> dict[str, Any]:
    return {"type": MILESTONE_START, "delay_hours": delay_hours}


def _action(action_type: str, label: str, description: str, trigger: dict[str, Any], *, in_portal: bool,
            content: dict[str, Any], blocker: bool = False) -> Action:
    return {"label": label, "description": description, "type": action_type, "trigger": trigger,
            "visibility": {"csm": {"visible": True, "label": "", "section": ""},
                           "portal": {"visible": in_portal, "label": "", "blocker": blocker}},
            "content": content}
