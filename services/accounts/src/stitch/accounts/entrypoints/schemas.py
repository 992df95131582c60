from marshmallow import Schema, fields


class CatalogEntryOut(Schema):
    template_id = fields.String()
    name = fields.String()
    created_at = fields.DateTime()
    recorded_at = fields.DateTime()


class CatalogPage(Schema):
    items = fields.List(fields.Nested(CatalogEntryOut))
    next_cursor = fields.String(allow_none=True)
