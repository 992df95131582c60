"""Query arguments and answers of the accounts list and its counts per status."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from stitch.accounts.application.listing import ARCHIVED_CHOICES, NEXT_ACTION_WINDOWS, NO_CSM, SORT_KEYS, time_zone
from stitch.accounts.domain.errors import InvalidInput
from stitch.accounts.domain.states import AccountStatus
from stitch.accounts.entrypoints.schemas import ARR_MAX, Strict, id_field
from stitch.common.http.pagination import PageArgs, page_schema

STATUSES = [status.value for status in AccountStatus]
TEXT_QUERY_LIMIT = 200


class CommaList(fields.List):
    """A repeated query argument (?status=a&status=b), a comma list (?status=a,b), or both."""

    def _deserialize(self, value, attr, data, **kwargs):
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) for item in values):
            raise self.make_error("invalid")
        return super()._deserialize([part.strip() for item in values for part in item.split(",")], attr, data,
                                    **kwargs)


def _time_zone(name: str) -> None:
    try:
        time_zone(name)
    except InvalidInput as invalid:
        raise ValidationError(invalid.violations[0].rule) from None


def _amount(description: str) -> fields.Decimal:
    return fields.Decimal(load_default=None, validate=validate.Range(min=0, max=ARR_MAX),
                          metadata={"description": description})


class AccountListFilters(Strict):
    status = CommaList(fields.String(), load_default=list, validate=validate.ContainsOnly(STATUSES),
                       metadata={"description": f"any of {', '.join(STATUSES)}; repeat it or separate by commas"})
    milestone = fields.String(load_default=None, validate=validate.Length(min=1, max=200),
                              metadata={"description": "the current milestone's name (case-insensitive)"})
    next_action = fields.String(load_default=None, validate=validate.OneOf(NEXT_ACTION_WINDOWS), metadata={
        "description": "overdue: before today; today; this_week: from today to Sunday 24:00; none: no next action"})
    tz = fields.String(load_default="UTC", validate=[validate.Length(max=64), _time_zone],
                       metadata={"description": "the IANA time zone next_action's days are in", "example": "UTC"})
    arr_min = _amount("ARR at least this much (accounts without an ARR are left out)")
    arr_max = _amount("ARR at most this much")
    csm_id = id_field(load_default=None, metadata={"description": f"the primary CSM; {NO_CSM}: accounts nobody owns"})
    mine = fields.Boolean(load_default=False, truthy={"true"}, falsy={"false"},
                          metadata={"description": "true: the accounts I own or collaborate on"})
    template_id = id_field(load_default=None, metadata={"description": "made from this template"})
    archived = fields.String(load_default="false", validate=validate.OneOf(ARCHIVED_CHOICES),
                             metadata={"description": "false (the default) hides archived accounts; true: only "
                                                      "them; all: both"})
    q = fields.String(load_default="", validate=validate.Length(max=TEXT_QUERY_LIMIT),
                      metadata={"description": "text in the company name or a contact's name or email"})

    @validates_schema
    def _range(self, data, **_) -> None:
        if data.get("arr_min") is not None and data.get("arr_max") is not None and data["arr_min"] > data["arr_max"]:
            raise ValidationError({"arr_min": ["must not be more than arr_max"]})


class AccountListArgs(AccountListFilters, PageArgs):
    sort = fields.String(load_default="company_name", validate=validate.OneOf(list(SORT_KEYS)), metadata={
        "description": "company_name and milestone sort case-insensitively; csm is the primary CSM's id"})
    order = fields.String(load_default="asc", validate=validate.OneOf(("asc", "desc")), metadata={
        "description": "asc (the default) or desc; accounts without a value (no ARR, no next action…) come "
                       "last either way, ties in the order of their ids"})
    cursor = fields.String(load_default=None, metadata={
        "description": "the previous page's next_cursor, with the same sort and order (filters may not change)"})


class MilestoneRefOut(Schema):
    id = fields.String()
    name = fields.String()


class ContactRefOut(Schema):
    name = fields.String()
    email = fields.String()


class ListedAccountOut(Schema):
    """An account in a list: what the list shows and sorts by (the staff view has the rest)."""

    id = fields.String()
    company_name = fields.String()
    status = fields.String()
    archived = fields.Boolean()
    arr = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "exact, as a decimal string"})
    close_date = fields.Date(allow_none=True)
    primary_csm_id = fields.String(allow_none=True)
    collaborator_ids = fields.List(fields.String())
    current_milestone = fields.Nested(MilestoneRefOut, allow_none=True)
    next_action_at = fields.DateTime(allow_none=True, metadata={
        "description": "the earliest scheduled action, or since when a draft has waited for review"})
    template_id = fields.String(allow_none=True)
    revision_number = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime(allow_none=True)
    contacts_count = fields.Integer()
    primary_contact = fields.Nested(ContactRefOut, allow_none=True)
    open_drafts = fields.Integer(metadata={"description": "drafts ready for review"})


AccountListPage = page_schema(ListedAccountOut, "AccountListPage")


class StatusCountsOut(Schema):
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(),
                            metadata={"description": "every status, zeros included; the status filter ignored"})
    total = fields.Integer(metadata={"description": "the sum of by_status"})
    archived = fields.Integer(metadata={
        "description": "archived accounts the other filters match, shown or not (archived=false hides them)"})
