"""The offline draft writer: the template's own text with every merge field filled.

The default (``STITCH_AI_PROVIDER=offline``) and the fallback when an AI provider keeps failing:
deterministic, instant, no network. Each field that had no value for the account becomes a
warning the CSM sees before approving.
"""

from __future__ import annotations

from typing import Any

from stitch.accounts.application.ports import DraftRequest, DraftResult
from stitch.accounts.domain.merge import fill

# The draft fields per type, and where each comes from in the template's content.
FIELDS: dict[str, dict[str, Any]] = {
    "SEND_EMAIL": {"subject": "", "body": "", "to": ["primary_contact"], "cc": [], "bcc": []},
    "SLACK": {"channel": "account_channel", "message": ""},
    "SCHEDULE_MEETING": {"title": "", "agenda": "", "duration_minutes": 30, "location": "",
                         "attendees": ["primary_contact", "csm"]},
}


class OfflineDrafter:
    name = "offline"

    def draft(self, request: DraftRequest) -> DraftResult:
        missing: set[str] = set()
        fields: dict[str, Any] = {}
        for key, default in FIELDS[request.action_type].items():
            value = request.content.get(key, default)
            if key == "title" and not value:
                value = request.label
            if isinstance(value, str):
                value, unknown = fill(value, request.values)
                missing |= unknown
            fields[key] = value
        warnings = tuple(f"{{{{{name}}}}} has no value for this account: check the text" for name in sorted(missing))
        return DraftResult(fields=fields, warnings=warnings, written_by=self.name)
