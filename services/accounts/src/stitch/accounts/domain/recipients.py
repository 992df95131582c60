"""Turning recipient rules (``primary_contact``, ``role:it_admin``, ``csm``…) into people, per account."""

from __future__ import annotations

from collections.abc import Iterable

from stitch.accounts.domain.contacts import EMAIL, Contact
from stitch.accounts.domain.happenings import People, Person


def resolve(rules: Iterable[str], contacts: list[Contact], people: People) -> list[Person]:
    """Everyone the rules name, once each (by address), in the order the rules name them."""
    found: list[Person] = []
    for rule in rules:
        found.extend(_one(rule.strip(), contacts, people))
    unique: dict[str, Person] = {}
    for person in found:
        unique.setdefault(person.email.casefold(), person)
    return list(unique.values())


def _one(rule: str, contacts: list[Contact], people: People) -> list[Person]:
    if rule == "primary_contact":
        return [_person(c) for c in contacts if c.is_primary]
    if rule == "all_contacts":
        return [_person(c) for c in contacts]
    if rule.startswith("role:"):
        role = rule.removeprefix("role:").strip().lower()
        return [_person(c) for c in contacts if c.role == role]
    if rule == "csm":
        return [people.csm] if people.csm else []
    if rule == "ae":
        return [people.ae] if people.ae else []
    if rule == "collaborators":
        return list(people.collaborators)
    if EMAIL.match(rule):
        return [Person(name="", email=rule)]
    return []  # a rule this engine does not know reaches nobody; execution reports "no recipients"


def _person(contact: Contact) -> Person:
    return Person(name=contact.name, email=contact.email)
