"""Event types this service publishes and consumes (schemas in docs/events/)."""

# published
ACCOUNT_CREATED = "accounts.account_created.v1"
ACCOUNT_UPDATED = "accounts.account_updated.v1"
ACCOUNT_ARCHIVED = "accounts.account_archived.v1"
ACCOUNT_UNARCHIVED = "accounts.account_unarchived.v1"
TEMPLATE_APPLIED = "accounts.template_applied.v1"
CSM_ASSIGNED = "accounts.csm_assigned.v1"
COLLABORATORS_CHANGED = "accounts.collaborators_changed.v1"
CONTACT_ADDED = "accounts.contact_added.v1"
CONTACT_CHANGED = "accounts.contact_changed.v1"
MILESTONE_EVENTS = {kind: f"accounts.{kind}.v1" for kind in (
    "milestone_started", "milestone_completed", "milestone_blocked", "milestone_unblocked")}
ACTION_EVENTS = {kind: f"accounts.{kind}.v1" for kind in (
    "action_ready", "action_executed", "action_completed", "action_skipped")}
ACTION_FAILED = "accounts.action_failed.v1"
DELIVERY_REQUESTED = "accounts.delivery_requested.v1"
REQUEST_ANSWERED = "accounts.request_answered.v1"  # every workflows command gets one, once

# consumed
TEMPLATE_CREATED = "templates.template_created.v1"
TEMPLATE_PUBLISHED = "templates.template_published.v1"
TEMPLATE_ARCHIVED = "templates.template_archived.v1"
TEMPLATE_RESTORED = "templates.template_restored.v1"
TEMPLATE_DELETED = "templates.template_deleted.v1"
ORGANIZATION_CREATED = "identity.organization_created.v1"
ORGANIZATION_UPDATED = "identity.organization_updated.v1"
USER_CREATED = "identity.user_created.v1"
USER_UPDATED = "identity.user_updated.v1"
USER_DEACTIVATED = "identity.user_deactivated.v1"
CONNECTION_CHANGED = "connectors.connection_changed.v1"
DELIVERY_SUCCEEDED = "connectors.delivery_succeeded.v1"
DELIVERY_FAILED = "connectors.delivery_failed.v1"
SUBMISSION_RECEIVED = "portal.submission_received.v1"
CONTACT_INVITED = "portal.contact_invited.v1"
VIEWED_AS_CUSTOMER = "portal.viewed_as_customer.v1"
CREATE_ACCOUNT_REQUESTED = "workflows.account_creation_requested.v1"
ASSIGN_CSM_REQUESTED = "workflows.csm_assignment_requested.v1"
APPLY_TEMPLATE_REQUESTED = "workflows.template_application_requested.v1"
