"""Reading an action definition a CSM adds to (or edits on) one account.

A revision's actions were checked by the templates service when it was published; an action
added to one account is checked here with the same promises that matter at run time: a type the
engine knows, a trigger it can fire, content it can draft and deliver, and text a customer can
read. Every broken rule is reported at once, each naming its field. The lists of a portal task
(form fields, documents, assets) are read into the shape the portal is promised: definitions_tasks.
"""

from __future__ import annotations

from typing import Any

from stitch.accounts.domain.definitions_tasks import HIDDEN, TASK_KEYS, read_task
from stitch.accounts.domain.errors import InvalidInput, Violation
from stitch.accounts.domain.merge import PLACEHOLDER
from stitch.accounts.domain.states import ActionType

MAX_DELAY_HOURS = 720
LABEL_MAX = 200
TEXT_MAX = 20_000
# Which content texts must be present per type (the rest are optional strings or lists).
REQUIRED_TEXT = {
    ActionType.SEND_EMAIL: ("subject", "body"),
    ActionType.SLACK: ("message",),
    ActionType.SCHEDULE_MEETING: ("title",),
    ActionType.COLLECT_INFO: (),
    ActionType.REQUEST_DOCS: (),
    ActionType.REQUEST_ASSETS: (),
}


def read_action_definition(raw: Any, known_fields: frozenset[str]) -> dict[str, Any]:
    """A checked definition, or :class:`InvalidInput` naming every broken rule."""
    problems: list[Violation] = []
    if not isinstance(raw, dict):
        raise InvalidInput(("action", "must be an object"))
    label = _text(raw, "label", problems, required=True, limit=LABEL_MAX)
    description = _text(raw, "description", problems, limit=2000)
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in ActionType.__members__:
        problems.append(Violation("type", f"must be one of {', '.join(ActionType.__members__)}"))
        kind = None
    trigger = _trigger(raw.get("trigger", {"type": "manual"}), problems)
    visibility = _visibility(raw.get("visibility", {}), problems)
    content = raw.get("content", {})
    if not isinstance(content, dict):
        problems.append(Violation("content", "must be an object"))
        content = {}
    elif kind:
        content = _content(ActionType(kind), content, known_fields, problems)
    if visibility["portal"]["blocker"] and not visibility["portal"]["visible"]:
        problems.append(Violation("visibility.portal.blocker", "a blocker must be visible in the portal"))
    if problems:
        raise InvalidInput(problems)
    return {"label": label, "description": description, "type": kind, "trigger": trigger,
            "visibility": visibility, "content": content}


def _text(raw: dict, key: str, problems: list[Violation], *, required: bool = False, limit: int = TEXT_MAX,
          prefix: str = "") -> str:
    value = raw.get(key, "")
    path = f"{prefix}{key}"
    if not isinstance(value, str):
        problems.append(Violation(path, "must be a string"))
        return ""
    if HIDDEN.search(value):
        problems.append(Violation(path, "must not contain control or text-direction characters"))
    if required and not value.strip():
        problems.append(Violation(path, "is required"))
    if len(value) > limit:
        problems.append(Violation(path, f"must be at most {limit} characters"))
    return value.strip() if key == "label" else value


def _trigger(raw: Any, problems: list[Violation]) -> dict[str, Any]:
    if not isinstance(raw, dict) or raw.get("type") not in ("milestone_start", "manual"):
        problems.append(Violation("trigger.type", "must be milestone_start or manual"))
        return {"type": "manual", "delay_hours": 0}
    delay = raw.get("delay_hours", 0)
    if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= MAX_DELAY_HOURS:
        problems.append(Violation("trigger.delay_hours", f"must be a whole number from 0 to {MAX_DELAY_HOURS}"))
        delay = 0
    if raw["type"] == "manual" and delay:
        problems.append(Violation("trigger.delay_hours", "a manual trigger has no delay"))
    return {"type": raw["type"], "delay_hours": delay}


def _visibility(raw: Any, problems: list[Violation]) -> dict[str, Any]:
    raw = raw if isinstance(raw, dict) else {}
    csm, portal = raw.get("csm") or {}, raw.get("portal") or {}
    flags = {}
    for path, source, key, default in (("visibility.csm.visible", csm, "visible", True),
                                       ("visibility.portal.visible", portal, "visible", False),
                                       ("visibility.portal.blocker", portal, "blocker", False)):
        value = source.get(key, default) if isinstance(source, dict) else default
        if not isinstance(value, bool):
            problems.append(Violation(path, "must be true or false"))
            value = default
        flags[path] = value
    csm_label = _text(csm, "label", problems, limit=LABEL_MAX, prefix="visibility.csm.") if isinstance(csm, dict) else ""
    portal_label = _text(portal, "label", problems, limit=LABEL_MAX, prefix="visibility.portal.") \
        if isinstance(portal, dict) else ""
    section = _text(csm, "section", problems, limit=LABEL_MAX, prefix="visibility.csm.") if isinstance(csm, dict) else ""
    return {"csm": {"visible": flags["visibility.csm.visible"], "label": csm_label, "section": section},
            "portal": {"visible": flags["visibility.portal.visible"], "label": portal_label,
                       "blocker": flags["visibility.portal.blocker"]}}


def _content(kind: ActionType, content: dict, known: frozenset[str], problems: list[Violation]) -> dict:
    task_text = TASK_KEYS.get(kind, ("",))[0]
    for key, value in content.items():
        if isinstance(value, str):
            if key != task_text:  # read_task holds an intro to its own limit
                _text(content, key, problems, required=key in REQUIRED_TEXT[kind], prefix="content.")
            unknown = sorted({name for name in PLACEHOLDER.findall(value) if name not in known})
            if unknown:
                problems.append(Violation(f"content.{key}", "unknown merge field " + ", ".join(
                    "{{%s}}" % name for name in unknown) + "; see docs/templates/merge-fields.md"))
    for key in REQUIRED_TEXT[kind]:
        if key not in content:
            problems.append(Violation(f"content.{key}", "is required"))
        elif not isinstance(content[key], str):
            problems.append(Violation(f"content.{key}", "must be a string"))
    if kind is ActionType.SEND_EMAIL:
        for key in ("to", "cc", "bcc"):
            value = content.get(key, ["primary_contact"] if key == "to" else [])
            if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
                problems.append(Violation(f"content.{key}", "must be a list of recipient rules or addresses"))
        if content.get("to", ["primary_contact"]) == []:
            problems.append(Violation("content.to", "must name at least one recipient"))
    return {**content, **read_task(kind, content, problems)}
