"""Request and response schemas of the templates API.

Requests are checked here for shape only (JSON types, no unknown top-level keys); the domain
checks every rule (lengths, ranges, merge fields, options…) and names each broken field, so the
same rules hold for imports, AI drafts and seed data. The plan's nested objects are described in
docs/templates/format.md.
"""

from marshmallow import RAISE, Schema, fields, validate

from stitch.common.http.pagination import PageArgs, page_schema
from stitch.templates.application.ports import SORTS

PLAN_DOC = "see docs/templates/format.md"


class Strict(Schema):
    class Meta:
        unknown = RAISE


# -- requests -----------------------------------------------------------------------------
class TemplateDetailsIn(Strict):
    name = fields.String(metadata={"description": "unique in the organization, 1–200 characters"})
    description = fields.String(allow_none=True)
    duration_weeks = fields.Integer(allow_none=True, metadata={"description": "1–104"})
    segment = fields.String(allow_none=True, metadata={"example": "SMB, Mid-Market"})
    tags = fields.List(fields.String(), allow_none=True)


class TemplateIn(TemplateDetailsIn):
    name = fields.String(required=True)
    milestones = fields.List(fields.Dict(), metadata={"description": f"milestones with actions; {PLAN_DOC}"})


class PlanIn(Strict):
    milestones = fields.List(fields.Dict(), required=True, metadata={"description": PLAN_DOC})


class PositionMixin(Schema):
    position = fields.Integer(load_default=None, validate=validate.Range(min=0),
                              metadata={"description": "0-based place; omitted: at the end"})


class MilestoneIn(Strict, PositionMixin):
    name = fields.String(required=True)
    duration_days = fields.Integer()
    internal_description = fields.String()
    customer_description = fields.String()
    exit_criteria = fields.String()
    actions = fields.List(fields.Dict(), metadata={"description": PLAN_DOC})


class MilestoneChangeIn(Strict):
    name = fields.String()
    duration_days = fields.Integer()
    internal_description = fields.String()
    customer_description = fields.String()
    exit_criteria = fields.String()


class ActionChangeIn(Strict):
    label = fields.String()
    description = fields.String()
    type = fields.String(metadata={"description": "SEND_EMAIL, REQUEST_DOCS, COLLECT_INFO, REQUEST_ASSETS, "
                                                  "SCHEDULE_MEETING or SLACK"})
    trigger = fields.Dict(metadata={"description": '{"type": "milestone_start", "delay_hours": 0–720} '
                                                   'or {"type": "manual"}'})
    visibility = fields.Dict(metadata={"description": '{"csm": {visible, label, section}, '
                                                      '"portal": {visible, label, blocker}}'})
    content = fields.Dict(metadata={"description": f"type-specific; {PLAN_DOC}"})


class ActionIn(ActionChangeIn, PositionMixin):
    label = fields.String(required=True)
    type = fields.String(required=True)


class OrderIn(Strict):
    ids = fields.List(fields.String(), required=True, metadata={"description": "every id, in the new order"})


class MoveIn(Strict, PositionMixin):
    milestone_id = fields.String(required=True)


class DuplicateIn(Strict):
    name = fields.String(load_default=None, metadata={"description": 'default: "<name> (copy)"'})


class ImportFileIn(Strict):
    format = fields.String(metadata={"example": "stitch.template"})
    format_version = fields.Integer(metadata={"example": 1})
    template = fields.Dict(metadata={"description": PLAN_DOC})


class ImportArgs(Schema):
    name = fields.String(load_default=None, metadata={"description": "use this name instead of the file's"})


class GenerateIn(Strict):
    description = fields.String(required=True, metadata={
        "description": "the onboarding process in plain language, up to 4,000 characters"})


class TemplateListArgs(PageArgs):
    q = fields.String(load_default="", metadata={"description": "text in name, description or segment"})
    status = fields.String(load_default="active", validate=validate.OneOf(("active", "archived", "all")))
    segment = fields.String(load_default="")
    tag = fields.List(fields.String(), load_default=list, metadata={"description": "repeat for all of several"})
    published = fields.Boolean(load_default=None)
    sort = fields.String(load_default="-updated_at", validate=validate.OneOf(SORTS))


NUMBER_MAX = 2**31 - 1  # revision and version numbers: past this, no such number exists


class ExportArgs(Schema):
    revision = fields.Integer(load_default=None, validate=validate.Range(min=1, max=NUMBER_MAX),
                              metadata={"description": "a published revision; omitted: the current draft"})


class DiffArgs(Schema):
    from_revision = fields.Integer(required=True, data_key="from", validate=validate.Range(min=1, max=NUMBER_MAX))
    to_revision = fields.Integer(required=True, data_key="to", validate=validate.Range(min=1, max=NUMBER_MAX))


class StatusArgs(PageArgs):
    status = fields.String(load_default="active", validate=validate.OneOf(("active", "archived", "all")))


class HandoffFormIn(Strict):
    name = fields.String(required=True)
    description = fields.String()
    questions = fields.List(fields.Dict(), metadata={"description": (
        "ordered; each {id?, text, type: text|textarea|multiple_choice|yes_no (multi_select = multiple_choice "
        "with allow_multiple), required, placeholder, help_text, options, allow_multiple}")})


class HandoffFormChangeIn(Strict):
    name = fields.String()
    description = fields.String()
    questions = fields.List(fields.Dict(), metadata={"description": "the whole list; send ids back to keep them"})


# -- responses ----------------------------------------------------------------------------
class ActionOut(Schema):
    id = fields.String()
    label = fields.String()
    description = fields.String()
    type = fields.String()
    trigger = fields.Dict()
    visibility = fields.Dict()
    content = fields.Dict()


class MilestoneOut(Schema):
    id = fields.String()
    name = fields.String()
    duration_days = fields.Integer()
    internal_description = fields.String()
    customer_description = fields.String()
    exit_criteria = fields.String()
    actions = fields.List(fields.Nested(ActionOut))


class TemplateSummaryOut(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()
    duration_weeks = fields.Integer(allow_none=True)
    segment = fields.String()
    tags = fields.List(fields.String())
    status = fields.String(metadata={"description": "active or archived"})
    milestone_count = fields.Function(lambda t: len(t.milestones))
    action_count = fields.Integer()
    usage_count = fields.Integer(metadata={"description": "accounts this template was applied to"})
    latest_revision = fields.Integer(metadata={"description": "0: never published"})
    unpublished_changes = fields.Boolean()
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_by = fields.String()
    updated_at = fields.DateTime()
    version = fields.Integer(metadata={"description": "also the ETag; send If-Match to refuse lost updates"})


class TemplateOut(TemplateSummaryOut):
    milestones = fields.List(fields.Nested(MilestoneOut))


class RevisionSummaryOut(Schema):
    id = fields.String()
    template_id = fields.String()
    number = fields.Integer()
    published_by = fields.String()
    published_at = fields.DateTime()
    milestone_count = fields.Function(lambda r: len(r.snapshot["milestones"]))
    action_count = fields.Function(lambda r: sum(len(m["actions"]) for m in r.snapshot["milestones"]))


class RevisionOut(RevisionSummaryOut):
    snapshot = fields.Dict(metadata={"description": "the whole revision, as in templates.template_published.v1"})


class ValidationOut(Schema):
    valid = fields.Boolean()
    template = fields.Dict(metadata={"description": "the document with every default filled in"})


class GeneratorOut(Schema):
    name = fields.String()
    version = fields.String()


class GeneratedOut(Schema):
    template = fields.Dict(metadata={"description": f"a template document to review, then POST; {PLAN_DOC}"})
    generator = fields.Nested(GeneratorOut)
    publishable = fields.Boolean()


class MergeFieldOut(Schema):
    name = fields.String()
    description = fields.String()


class MergeFieldsOut(Schema):
    items = fields.List(fields.Nested(MergeFieldOut))
    recipients = fields.List(fields.Nested(MergeFieldOut), metadata={
        "description": "rules allowed in to/cc/bcc/attendees, besides role:<contact role> and email addresses"})


class QuestionOut(Schema):
    id = fields.String()
    text = fields.String()
    type = fields.String()
    required = fields.Boolean()
    help_text = fields.String()
    placeholder = fields.String()
    options = fields.List(fields.String())
    allow_multiple = fields.Boolean()


class HandoffFormOut(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String()
    questions = fields.List(fields.Nested(QuestionOut))
    status = fields.String()
    latest_version = fields.Integer()
    unpublished_changes = fields.Boolean()
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_by = fields.String()
    updated_at = fields.DateTime()
    version = fields.Integer()


class HandoffFormVersionOut(Schema):
    id = fields.String()
    form_id = fields.String()
    number = fields.Integer()
    name = fields.String()
    description = fields.String()
    questions = fields.List(fields.Nested(QuestionOut))
    published_by = fields.String()
    published_at = fields.DateTime()


TemplatePage = page_schema(TemplateSummaryOut, "TemplatePage")
RevisionPage = page_schema(RevisionSummaryOut, "RevisionPage")
HandoffFormPage = page_schema(HandoffFormOut, "HandoffFormPage")
HandoffFormVersionPage = page_schema(HandoffFormVersionOut, "HandoffFormVersionPage")
