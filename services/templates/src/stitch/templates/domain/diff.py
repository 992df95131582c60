"""What changed between two revisions of a template, matched by milestone and action ids.

This is the base for migrating in-flight accounts later: it names each milestone and action that
was added, removed, changed (field by field, content fields as dotted paths) or moved.
"""

from __future__ import annotations

from typing import Any

_DETAILS = ("name", "description", "duration_weeks", "segment", "tags")
_MILESTONE_FIELDS = ("name", "duration_days", "internal_description", "customer_description", "exit_criteria")


def diff_revisions(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    old_milestones = {m["id"]: m for m in old["milestones"]}
    new_milestones = {m["id"]: m for m in new["milestones"]}
    old_actions = _actions_by_id(old)
    new_actions = _actions_by_id(new)
    result = {
        "from_revision": old["revision"], "to_revision": new["revision"],
        "details": _changes({k: old[k] for k in _DETAILS}, {k: new[k] for k in _DETAILS}),
        "milestones": {
            "added": [_milestone_ref(new_milestones[i]) for i in new_milestones if i not in old_milestones],
            "removed": [_milestone_ref(old_milestones[i]) for i in old_milestones if i not in new_milestones],
            "changed": [
                {**_milestone_ref(new_milestones[i]), "changes": changes}
                for i in new_milestones if i in old_milestones
                if (changes := _changes({k: old_milestones[i][k] for k in _MILESTONE_FIELDS},
                                        {k: new_milestones[i][k] for k in _MILESTONE_FIELDS}))
            ],
            "moved": _moved(old["milestones"], new["milestones"], "sequence"),
        },
        "actions": {
            "added": [_action_ref(*new_actions[i]) for i in new_actions if i not in old_actions],
            "removed": [_action_ref(*old_actions[i]) for i in old_actions if i not in new_actions],
            "changed": [
                {**_action_ref(*new_actions[i]), "changes": changes}
                for i in new_actions if i in old_actions
                if (changes := _changes(_action_fields(old_actions[i][1]), _action_fields(new_actions[i][1])))
            ],
            "moved": _moved_actions(old_actions, new_actions),
        },
    }
    result["unchanged"] = not result["details"] and not any(
        result[part][kind] for part in ("milestones", "actions") for kind in ("added", "removed", "changed", "moved"))
    return result


def _actions_by_id(snapshot: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return {a["id"]: (m, a) for m in snapshot["milestones"] for a in m["actions"]}


def _milestone_ref(milestone: dict[str, Any]) -> dict[str, Any]:
    return {"id": milestone["id"], "name": milestone["name"], "sequence": milestone["sequence"]}


def _action_ref(milestone: dict[str, Any], action: dict[str, Any]) -> dict[str, Any]:
    return {"id": action["id"], "label": action["label"], "type": action["type"],
            "milestone_id": milestone["id"], "milestone_name": milestone["name"]}


def _action_fields(action: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in action.items() if k not in ("id", "position")}


def _changes(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    """Field-level differences; nested objects as dotted paths, lists compared whole."""
    found = []
    for key in sorted(set(old) | set(new)):
        before, after, path = old.get(key), new.get(key), f"{prefix}{key}"
        if isinstance(before, dict) and isinstance(after, dict):
            found += _changes(before, after, f"{path}.")
        elif before != after:
            found.append({"field": path, "from": before, "to": after})
    return found


def _moved(old: list[dict[str, Any]], new: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Items whose place among the items both revisions share changed (insertions alone move nothing)."""
    common = {m["id"] for m in old} & {m["id"] for m in new}
    old_order = [m["id"] for m in old if m["id"] in common]
    new_order = [m["id"] for m in new if m["id"] in common]
    by_id_old, by_id_new = {m["id"]: m for m in old}, {m["id"]: m for m in new}
    return [{"id": i, "name": by_id_new[i]["name"], f"from_{key}": by_id_old[i][key], f"to_{key}": by_id_new[i][key]}
            for index, i in enumerate(new_order) if old_order[index] != i]


def _moved_actions(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    moved = []
    for action_id, (milestone, action) in new.items():
        if action_id not in old:
            continue
        old_milestone, old_action = old[action_id]
        if old_milestone["id"] != milestone["id"]:
            moved.append({**_action_ref(milestone, action), "from_milestone_id": old_milestone["id"],
                          "from_milestone_name": old_milestone["name"]})
    common_by_milestone: dict[str, tuple[list[str], list[str]]] = {}
    for milestone in {m["id"]: m for m, _ in new.values()}.values():
        new_order = [a["id"] for a in milestone["actions"] if a["id"] in old
                     and old[a["id"]][0]["id"] == milestone["id"]]
        old_m = next((m for m, _ in old.values() if m["id"] == milestone["id"]), None)
        old_order = [a["id"] for a in (old_m or {"actions": []})["actions"] if a["id"] in new_order]
        common_by_milestone[milestone["id"]] = (old_order, new_order)
    for old_order, new_order in common_by_milestone.values():
        for index, action_id in enumerate(new_order):
            if old_order[index] != action_id:
                milestone, action = new[action_id]
                moved.append({**_action_ref(milestone, action), "from_position": old[action_id][1]["position"],
                              "to_position": action["position"]})
    return moved
