"""accounts fills exactly the merge fields templates accepts (docs/templates/merge-fields.md)."""

from __future__ import annotations

import re
from pathlib import Path

from stitch.accounts.application.accounts import NewAccount
from stitch.accounts.application.drafting import merge_values
from stitch.accounts.application.plan import MERGE_FIELD_NAMES

DOC = Path(__file__).resolve().parents[5] / "docs" / "templates" / "merge-fields.md"


def documented_fields() -> set[str]:
    return set(re.findall(r"^\| `\{\{(\w+)\}\}` \|", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE))


def test_accounts_knows_every_documented_merge_field_and_no_other():
    assert len(documented_fields()) == 16
    assert MERGE_FIELD_NAMES == documented_fields()


def test_every_documented_field_gets_a_value_for_an_action(runtime, uow, revision, clock):
    with uow:
        uow.revisions.add("org-1", revision, clock())
        uow.commit()
    new = NewAccount(details={"company_name": "Acme"}, contacts=({"name": "Jo Doe", "email": "jo@acme.test"},),
                     template_id=revision.template_id)
    account, _ = runtime.use_cases["create_account"]("org-1", "user-1", new)
    action = account.milestones[0].actions[0]
    with uow:
        values = merge_values(account, uow, "https://stitch.example", action)
    assert set(values) == documented_fields()
    assert values["milestone_name"] == account.milestones[0].name
    assert values["next_milestone_name"] == account.milestones[1].name
    assert values["contact_first_name"] == "Jo" and values["contact_last_name"] == "Doe"
