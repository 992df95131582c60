from marshmallow import Schema, fields, validate

from stitch.common.http.pagination import page_schema

from stitch.templates.domain.template import NAME_MAX


class TemplateIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))


class TemplateOut(Schema):
    id = fields.String()
    name = fields.String()
    created_by = fields.String()
    created_at = fields.DateTime()


TemplatePage = page_schema(TemplateOut, "TemplatePage")
