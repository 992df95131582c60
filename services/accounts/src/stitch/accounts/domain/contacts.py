"""Contacts: the people at the customer (DESIGN §1). One of them is primary, the default recipient."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from stitch.accounts.domain.errors import InvalidInput, NotFound, RuleBroken, Violation

if TYPE_CHECKING:
    from stitch.accounts.domain.happenings import Happened

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONTACT_FIELDS = ("name", "email", "title", "role", "is_primary")


@dataclasses.dataclass
class Contact:
    id: str
    name: str
    email: str
    title: str = ""
    role: str = ""  # role in the onboarding, e.g. "it_admin", "executive_sponsor" (recipient rule role:<x>)
    is_primary: bool = False
    created_at: datetime | None = None

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else ""

    @property
    def last_name(self) -> str:
        parts = self.name.split()
        return " ".join(parts[1:]) if len(parts) > 1 else ""


class ContactRules:
    """Mixed into the account aggregate."""

    contacts: list[Contact]

    def add_contact(self, contact_id: str, fields: dict[str, Any], now: datetime, actor: str | None, *,
                    writable_check: bool = True) -> Contact:
        if writable_check:
            self._writable()
        _check_contact(fields, creating=True)
        self._email_free(fields["email"], None)
        contact = Contact(id=contact_id, name=fields["name"].strip(), email=fields["email"].strip(),
                          title=fields.get("title", "").strip(), role=_role(fields.get("role", "")),
                          created_at=now)
        self.contacts.append(contact)
        if fields.get("is_primary") or not any(c.is_primary for c in self.contacts):
            self._make_primary(contact)
        self.record("contact_added", now, actor, detail={"contact_id": contact.id, "primary": contact.is_primary})
        return contact

    def change_contact(self, contact_id: str, changes: dict[str, Any], now: datetime, actor: str | None) -> list[str]:
        self._writable()
        contact = self.contact(contact_id)
        _check_contact(changes, creating=False)
        if "email" in changes:
            self._email_free(changes["email"], contact_id)
        if changes.get("is_primary") is False and contact.is_primary:
            raise RuleBroken("contact.primary.required",
                             "an account always has a primary contact: make another contact primary instead")
        changed = []
        for key in ("name", "email", "title", "role"):
            if key in changes:
                value = _role(changes[key]) if key == "role" else changes[key].strip()
                if getattr(contact, key) != value:
                    setattr(contact, key, value)
                    changed.append(key)
        if changes.get("is_primary") and not contact.is_primary:
            self._make_primary(contact)
            changed.append("is_primary")
        if changed:
            self.record("contact_changed", now, actor, detail={"contact_id": contact_id, "fields": changed})
        return changed

    def contact(self, contact_id: str) -> Contact:
        for contact in self.contacts:
            if contact.id == contact_id:
                return contact
        raise NotFound(f"no contact {contact_id} on this account")

    @property
    def primary_contact(self) -> Contact | None:
        return next((c for c in self.contacts if c.is_primary), None)

    def _make_primary(self, contact: Contact) -> None:
        for other in self.contacts:
            other.is_primary = other is contact

    def _email_free(self, email: str, except_id: str | None) -> None:
        wanted = email.strip().casefold()
        for other in self.contacts:
            if other.id != except_id and other.email.casefold() == wanted:
                raise RuleBroken("contact.email_taken", f"{email} is already a contact of this account",
                                 contact_id=other.id)

    if TYPE_CHECKING:  # provided by the aggregate
        def _writable(self) -> None: ...
        def record(self, kind: str, at: datetime, actor: str | None, **kwargs: Any) -> Happened: ...


def _role(value: str) -> str:
    return value.strip().lower()


def _check_contact(fields: dict[str, Any], *, creating: bool) -> None:
    problems = []
    for key, limit in (("name", 200), ("email", 320), ("title", 100), ("role", 64)):
        if key not in fields and not (creating and key in ("name", "email")):
            continue
        value = fields.get(key)
        if not isinstance(value, str):
            problems.append(Violation(key, "must be a string" if key in fields else "is required"))
        elif key in ("name", "email") and not value.strip():
            problems.append(Violation(key, "is required"))
        elif len(value) > limit:
            problems.append(Violation(key, f"must be at most {limit} characters"))
        elif key == "email" and not EMAIL.match(value.strip()):
            problems.append(Violation(key, "must be an email address"))
        elif key == "role" and value.strip() and not re.fullmatch(r"[a-z0-9 _-]{1,64}", value.strip().lower()):
            problems.append(Violation(key, "lower-case letters, digits, spaces, _ or - only"))
    if "is_primary" in fields and not isinstance(fields["is_primary"], bool):
        problems.append(Violation("is_primary", "must be true or false"))
    if problems:
        raise InvalidInput(problems)
