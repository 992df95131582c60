from marshmallow import Schema, fields, validate

from stitch.templates.domain.template import NAME_MAX


class TemplateIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))


class TemplateOut(Schema):
    id = fields.String()
    name = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()


class TemplatePage(Schema):
    items = fields.List(fields.Nested(TemplateOut))
    next_cursor = fields.String(allow_none=True)
