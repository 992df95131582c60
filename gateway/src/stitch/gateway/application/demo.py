"""The demo organization `make run` seeds: an org, an admin who can sign in, nothing secret.

Idempotent, so every start of the embedded suite can call it.
"""

from __future__ import annotations

from stitch.gateway.application import organizations
from stitch.gateway.application.ports import Clock, PasswordHasher, UnitOfWork
from stitch.gateway.domain.identity import User

DEMO_SLUG, DEMO_DOMAIN = "demo", "demo.stitch.test"
DEMO_ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"


def seed_demo(password: str, org_id: str, admin_id: str, new_uow, hasher: PasswordHasher, clock: Clock) -> User:
    uow: UnitOfWork = new_uow()
    with uow:
        org = uow.organizations.by_slug(DEMO_SLUG)
        admin = uow.users.by_email(DEMO_ADMIN_EMAIL)
    if org is None:
        organizations.create_organization(
            organizations.CreateOrganization("Demo Company", DEMO_SLUG, DEMO_DOMAIN, org_id=org_id), new_uow(), clock)
    if admin is None:
        admin = organizations.create_user(organizations.CreateUser(
            DEMO_SLUG, DEMO_ADMIN_EMAIL, "Demo Admin", "admin", password, user_id=admin_id), new_uow(), hasher, clock)
    return admin
