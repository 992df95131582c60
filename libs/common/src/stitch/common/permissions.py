"""Who may do what: the role × capability table every part enforces (docs/permissions.md).

A staff token carries one role; an API-key token carries the scopes its key was given; a portal
token carries the ``contact`` role and is only ever accepted by portal endpoints (its audience
differs). Views ask for a capability, never for a role, so a new role is one row here.

This is authorization vocabulary, not domain: the six parts share it so the table exists once
(ADR 0002).
"""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    READ = "read"  # see the organization's templates, accounts, workflows and reports
    WORK_ACCOUNTS = "work_accounts"  # own and edit accounts, review AI drafts, complete actions
    WORK_QUEUES = "work_queues"  # claim and finish human tasks of workflows
    # every account of the organization: change any of them whoever owns it, CSM pools, the
    # scheduled actions of all accounts, everyone's review queue
    MANAGE_ACCOUNTS = "manage_accounts"
    HAND_OFF = "hand_off"  # submit sales-to-CS handoffs
    MANAGE_USERS = "manage_users"  # invite, change roles, deactivate
    MANAGE_SETTINGS = "manage_settings"  # organization settings, branding, routing
    MANAGE_TEMPLATES = "manage_templates"
    MANAGE_WORKFLOWS = "manage_workflows"
    MANAGE_CONNECTORS = "manage_connectors"
    MANAGE_API_KEYS = "manage_api_keys"


STAFF_ROLES = ("admin", "csm", "ae", "viewer")
CONTACT_ROLE = "contact"  # a customer's contact in the portal (audience stitch-portal)
API_KEY_ROLE = "api_key"  # a token the gateway minted for an API key: its scopes decide

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "admin": frozenset(Capability),
    "csm": frozenset({Capability.READ, Capability.WORK_ACCOUNTS, Capability.WORK_QUEUES}),
    "ae": frozenset({Capability.READ, Capability.HAND_OFF}),
    "viewer": frozenset({Capability.READ}),
}

# What an API key may be given: everything but managing people and other keys, so a leaked key
# cannot mint more keys or make its holder an admin.
API_KEY_SCOPES = frozenset(Capability) - {Capability.MANAGE_USERS, Capability.MANAGE_API_KEYS}


def capabilities_of(role: str, scopes: frozenset[str] | None = None) -> frozenset[Capability]:
    if role == API_KEY_ROLE:
        return frozenset(Capability(s) for s in (scopes or ()) if s in API_KEY_SCOPES)
    return ROLE_CAPABILITIES.get(role, frozenset())


def markdown_table() -> str:
    """The table as it appears in docs/permissions.md (a test keeps the two equal)."""
    header = "| Capability | " + " | ".join(STAFF_ROLES) + " | API key |"
    rule = "|---" * (len(STAFF_ROLES) + 2) + "|"
    rows = [
        f"| `{cap}` | " + " | ".join("yes" if cap in ROLE_CAPABILITIES[role] else "—" for role in STAFF_ROLES)
        + f" | {'if scoped' if cap in API_KEY_SCOPES else 'never'} |"
        for cap in Capability
    ]
    return "\n".join([header, rule, *rows])
