from marshmallow import Schema, fields

from stitch.common.http.pagination import page_schema


class CatalogEntryOut(Schema):
    template_id = fields.String()
    name = fields.String()
    created_at = fields.DateTime()
    recorded_at = fields.DateTime()


CatalogPage = page_schema(CatalogEntryOut, "CatalogPage")
