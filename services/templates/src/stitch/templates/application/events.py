"""Event types this service publishes and consumes (schemas in docs/events/)."""

TEMPLATE_CREATED = "templates.template_created.v1"  # the walking skeleton's; feeds accounts' catalog
TEMPLATE_PUBLISHED = "templates.template_published.v1"  # carries the whole revision snapshot
TEMPLATE_ARCHIVED = "templates.template_archived.v1"
TEMPLATE_RESTORED = "templates.template_restored.v1"
TEMPLATE_DELETED = "templates.template_deleted.v1"
HANDOFF_FORM_PUBLISHED = "templates.handoff_form_published.v1"

TEMPLATE_APPLIED = "accounts.template_applied.v1"  # consumed: counts how often a template is in use
