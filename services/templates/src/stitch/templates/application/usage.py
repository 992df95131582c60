"""How many accounts use a template: counted from the accounts service's events, never asked for."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from stitch.common.messaging.errors import PermanentFailure

from stitch.templates.application.ports import UnitOfWork

log = logging.getLogger(__name__)


def when_template_applied_count_usage(event: Any, uow: UnitOfWork) -> None:
    """Runs inside the consumer's transaction, org already set. Re-applying to one account counts once."""
    data = event.data
    try:
        template_id, account_id = str(data["template_id"]), str(data["account_id"])
        applied_at = datetime.fromisoformat(data["applied_at"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentFailure(f"template_applied without a usable {exc}") from exc
    if not event.orgid:
        raise PermanentFailure("template_applied without orgid")
    if uow.templates.get(str(event.orgid), template_id) is None:
        # Deleted in the moment between apply and this event (deletion needs a zero count):
        # the account keeps its snapshot, and there is no template left to count for.
        log.warning("template_applied for template %s, which no longer exists", template_id)
        return
    uow.templates.record_application(str(event.orgid), template_id, account_id,
                                     data.get("revision_id"), applied_at)
