"""Internal notes on an account: the team's own words, never shown to the customer nor sent in an
event. Everyone reads them; the owner, collaborators and admins add them; the author (or an
admin) edits and deletes one. Each change is on the account's history, without the text."""

from __future__ import annotations

from flask_smorest import Blueprint

from stitch.accounts.entrypoints.common_views import caller
from stitch.accounts.entrypoints.workspace_schemas import NoteIn, NoteOut, NotePage, note_view
from stitch.common.http.auth import requires_auth
from stitch.common.http.pagination import PageArgs, page_of, time_cursor
from stitch.common.permissions import Capability
from stitch.common.runtime import ServiceRuntime


def notes_blueprint(runtime: ServiceRuntime, prefix: str) -> Blueprint:
    blueprint = Blueprint("account_notes", __name__, url_prefix=f"{prefix}/accounts/<account_id>/notes",
                          description="Internal notes on an account (staff only)")
    use = runtime.use_cases
    work = requires_auth(Capability.WORK_ACCOUNTS)

    @blueprint.route("", methods=["GET"])
    @requires_auth(Capability.READ)
    @blueprint.arguments(PageArgs, location="query")
    @blueprint.response(200, NotePage)
    def list_notes(args, account_id):
        """Newest first, a page at a time."""
        org, who = caller()
        account, notes = use["list_notes"](org, account_id, args["limit"] + 1, time_cursor(args["cursor"]))
        page = page_of(notes, args["limit"], lambda note: (note.created_at.isoformat(), note.id))
        return {**page, "items": [note_view(note, account, who.user_id, who.sees_all) for note in page["items"]]}

    @blueprint.route("", methods=["POST"])
    @work
    @blueprint.arguments(NoteIn)
    @blueprint.response(201, NoteOut, description="added; Location names it")
    def add_note(body, account_id):
        """The account's owner, a collaborator or an admin adds a note (403 account.not_collaborator for
        anyone else; 409 account.archived on an archived account)."""
        org, who = caller()
        note, account = use["add_note"](org, account_id, who, body["body"])
        return note_view(note, account, who.user_id, who.sees_all), {
            "Location": f"{prefix}/accounts/{account_id}/notes/{note.id}"}

    @blueprint.route("/<note_id>", methods=["PATCH"])
    @work
    @blueprint.arguments(NoteIn)
    @blueprint.response(200, NoteOut)
    def edit_note(body, account_id, note_id):
        """The note's author or an admin rewrites it (403 note.not_author for anyone else)."""
        org, who = caller()
        note, account = use["edit_note"](org, account_id, who, note_id, body["body"])
        return note_view(note, account, who.user_id, who.sees_all)

    @blueprint.route("/<note_id>", methods=["DELETE"])
    @work
    @blueprint.response(204)
    def delete_note(account_id, note_id):
        """The note's author or an admin deletes it; the history keeps that it existed, not its text."""
        org, who = caller()
        use["delete_note"](org, account_id, who, note_id)
        return ""

    return blueprint
