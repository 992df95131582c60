from pathlib import Path

from stitch.common.permissions import (
    API_KEY_ROLE, ROLE_CAPABILITIES, STAFF_ROLES, Capability, capabilities_of, markdown_table,
)
from stitch.common.tokens import Principal

DOC = Path(__file__).resolve().parents[4] / "docs" / "permissions.md"


def _principal(role, scope=""):
    return Principal("u", "o", role, "stitch", {"scope": scope} if scope else {})


def test_admin_can_everything_and_viewer_only_reads():
    assert ROLE_CAPABILITIES["admin"] == frozenset(Capability)
    assert capabilities_of("viewer") == {Capability.READ}


def test_csm_works_accounts_but_manages_nothing():
    csm = _principal("csm")
    assert csm.can("work_accounts") and csm.can("work_queues")
    assert not any(csm.can(c) for c in Capability if c.startswith("manage_"))


def test_ae_hands_off_and_reads():
    assert capabilities_of("ae") == {Capability.READ, Capability.HAND_OFF}


def test_unknown_role_and_contact_get_nothing():
    assert not _principal("owner").can("read")
    assert not _principal("contact").can("read")


def test_api_key_tokens_get_their_scopes_only_and_never_user_or_key_management():
    key = _principal(API_KEY_ROLE, "read manage_templates manage_users manage_api_keys bogus")
    assert key.can("read") and key.can("manage_templates")
    assert not key.can("manage_users") and not key.can("manage_api_keys") and not key.can("work_accounts")


def test_every_staff_role_has_a_row():
    assert set(ROLE_CAPABILITIES) == set(STAFF_ROLES)


def test_the_documented_table_is_the_table_in_code():
    assert markdown_table() in DOC.read_text(), "regenerate the table in docs/permissions.md from markdown_table()"
