"""Row-level security in the five services' databases (DESIGN §4; reliability-security.md R1–R3).

Each database is laid out as in production: migrated by an owner role, used by an app role
that is no superuser, cannot bypass RLS and owns nothing. Everything below connects as that app
role (a harness connected as a superuser or the owner would pass while checking nothing).

- The catalog check: every tenant table has RLS enabled and forced with one policy per command
  on ``app.org_id``; every table without RLS is listed in its service's ``RLS_EXEMPT``; the app
  role's attributes, ownership and privileges. Negative controls show each part can fail.
- Isolation: for every tenant table of every service (found from the service's SQLAlchemy
  metadata, so a new table is covered without a new test), rows of org B are invisible and
  untouchable from org A, and nothing is visible without an org.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from types import ModuleType

import pytest
from sqlalchemy import JSON, Connection, Engine, Table, create_engine, delete, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from stitch.accounts import config as accounts_config
from stitch.accounts.adapters import tables as accounts_tables
from stitch.accounts.bootstrap import bootstrap as accounts_bootstrap
from stitch.common.db import rls
from stitch.common.db.messaging_tables import RLS_EXEMPT as MESSAGING_TABLES
from stitch.common.db.migrate import upgrade
from stitch.common.runtime import ServiceRuntime
from stitch.common.testing.databases import TenantDatabase
from stitch.common.testing.rls import role_findings, table_findings, tenant_tables
from stitch.connectors import config as connectors_config
from stitch.connectors.adapters import tables as connectors_tables
from stitch.connectors.bootstrap import bootstrap as connectors_bootstrap
from stitch.portal import config as portal_config
from stitch.portal.adapters import tables as portal_tables
from stitch.portal.bootstrap import bootstrap as portal_bootstrap
from stitch.templates import config as templates_config
from stitch.templates.adapters import tables as templates_tables
from stitch.templates.bootstrap import bootstrap as templates_bootstrap
from stitch.workflows import config as workflows_config
from stitch.workflows.adapters import tables as workflows_tables
from stitch.workflows.bootstrap import bootstrap as workflows_bootstrap

pytestmark = pytest.mark.integration

# service → (its config module, bootstrap, adapters.tables module)
SERVICES: dict[str, tuple[ModuleType, object, ModuleType]] = {
    "templates": (templates_config, templates_bootstrap, templates_tables),
    "accounts": (accounts_config, accounts_bootstrap, accounts_tables),
    "workflows": (workflows_config, workflows_bootstrap, workflows_tables),
    "portal": (portal_config, portal_bootstrap, portal_tables),
    "connectors": (connectors_config, connectors_bootstrap, connectors_tables),
}
# Every (service, table) RLS must cover, from the services' own metadata.
TENANT_TABLES = [(service, table.name) for service, (_c, _b, tables) in SERVICES.items()
                 for table in tables.metadata.sorted_tables
                 if "org_id" in table.c and table.name not in tables.RLS_EXEMPT]


@dataclass
class Migrated:
    db: TenantDatabase
    runtime: ServiceRuntime
    app: Engine  # connects as the app role
    owner: Engine  # connects as the owner role (subject to RLS too: it is forced)

    def close(self) -> None:
        for engine in (self.app, self.owner, self.runtime.engine):
            engine.dispose()


def migrate_service(service: str, databases, tmp_path, test_keys) -> Migrated:
    config, bootstrap, _tables = SERVICES[service]
    db = databases.create_with_roles(service)
    runtime = bootstrap(config.load(database_url=db.app_url, migrate_database_url=db.owner_url,
                                    broker_url="memory://", var_dir=tmp_path), verifier=test_keys.verifier())
    runtime.migrate()
    return Migrated(db, runtime, create_engine(db.app_url), create_engine(db.owner_url))


@pytest.fixture(scope="module")
def migrated(databases, tmp_path_factory, test_keys) -> Iterator[dict[str, Migrated]]:
    """Every service's database, migrated to head by its owner role, once for this module."""
    built = {service: migrate_service(service, databases, tmp_path_factory.mktemp(service), test_keys)
             for service in SERVICES}
    yield built
    for one in built.values():
        one.close()


def test_every_tenant_table_of_the_services_is_known():
    """Not vacuous: the tables RLS exists for today are found from the metadata."""
    assert {("templates", "templates"), ("accounts", "template_catalog")} <= set(TENANT_TABLES)
    for _config, _bootstrap, tables in SERVICES.values():
        assert set(MESSAGING_TABLES) <= set(tables.RLS_EXEMPT)


# --- the catalog check ----------------------------------------------------------------------------

@pytest.mark.parametrize("service", SERVICES)
def test_catalog_every_tenant_table_is_under_forced_rls_and_the_app_role_owns_nothing(migrated, service):
    one, tables = migrated[service], SERVICES[service][2]
    with one.app.connect() as connection:
        assert connection.execute(text("SELECT current_user")).scalar() == one.db.app_role
        assert table_findings(connection, tables.RLS_EXEMPT) == []
        assert role_findings(connection, one.db.app_role) == []
        # the database and the metadata agree on which tables RLS covers
        assert tenant_tables(connection, tables.RLS_EXEMPT) == sorted(
            table for name, table in TENANT_TABLES if name == service)


def test_catalog_migrating_again_takes_back_privileges_the_app_role_must_not_have(migrated, postgres_admin_url):
    one = migrated["templates"]
    admin = create_engine(make_url(postgres_admin_url).set(database=one.db.name))
    try:
        with admin.begin() as connection:  # privileges the app role must not keep
            connection.execute(text(f'GRANT TRUNCATE, TRIGGER ON templates TO "{one.db.app_role}"'))
            connection.execute(text(f'GRANT INSERT ON alembic_version TO "{one.db.app_role}"'))
            connection.execute(text(f'GRANT CREATE ON SCHEMA public TO "{one.db.app_role}"'))
        with one.app.connect() as connection:
            assert len(role_findings(connection, one.db.app_role)) == 4
        one.runtime.migrate()
        with one.app.connect() as connection:
            assert role_findings(connection, one.db.app_role) == []
            assert table_findings(connection, templates_tables.RLS_EXEMPT) == []
    finally:
        admin.dispose()


@pytest.mark.parametrize("service", ["templates", "accounts"])
def test_catalog_a_database_migrated_with_the_single_legacy_policy_gets_per_command_policies(
        service, databases, tmp_path, test_keys):
    """Revision 0002 upgrades databases whose tables got 0001's one ALL policy."""
    config, bootstrap, tables = SERVICES[service]
    db = databases.create_with_roles(f"{service}_legacy")
    upgrade(config.SERVICE_ROOT, db.owner_url, "0001", runtime_url=db.app_url)
    owner = create_engine(db.owner_url)
    try:
        with owner.begin() as connection:  # what 0001 created before the policies were split
            for table in tenant_tables(connection, tables.RLS_EXEMPT):
                for name in rls.POLICIES:
                    connection.execute(text(f'DROP POLICY {name} ON "{table}"'))
                connection.execute(text(
                    f'CREATE POLICY {rls.LEGACY_POLICY} ON "{table}" USING ({rls.ORG_MATCH}) '
                    f"WITH CHECK ({rls.ORG_MATCH})"))
            assert table_findings(connection, tables.RLS_EXEMPT) != []
        runtime = bootstrap(config.load(database_url=db.app_url, migrate_database_url=db.owner_url,
                                        broker_url="memory://", var_dir=tmp_path), verifier=test_keys.verifier())
        runtime.migrate()
        runtime.engine.dispose()
        with owner.connect() as connection:
            assert table_findings(connection, tables.RLS_EXEMPT) == []
            legacy = connection.execute(text("SELECT count(*) FROM pg_policies WHERE policyname = :name"),
                                        {"name": rls.LEGACY_POLICY}).scalar()
            assert legacy == 0
    finally:
        owner.dispose()


TABLE_BREAKAGES = {
    "table-with-org-id-and-no-rls": ("CREATE TABLE sneaky (id int PRIMARY KEY, org_id varchar(36))",
                                     "sneaky: row-level security is not enabled"),
    "rls-not-forced": ("ALTER TABLE templates NO FORCE ROW LEVEL SECURITY",
                       "templates: row-level security is not forced"),
    "rls-disabled": ("ALTER TABLE templates DISABLE ROW LEVEL SECURITY",
                     "templates: row-level security is not enabled"),
    "delete-policy-missing": ("DROP POLICY tenant_delete ON templates",
                              "templates: no permissive DELETE policy"),
    "insert-without-check": ("ALTER POLICY tenant_insert ON templates WITH CHECK (true)",
                             "policy tenant_insert (INSERT)"),
    "update-check-dropped": ("DROP POLICY tenant_update ON templates; CREATE POLICY tenant_update ON templates "
                             f"FOR UPDATE USING ({rls.ORG_MATCH})", "policy tenant_update (UPDATE)"),
    "extra-open-policy": ("CREATE POLICY peek ON templates FOR SELECT USING (true)", "policy peek (SELECT)"),
    "policy-for-another-role": ("DROP POLICY tenant_select ON templates; CREATE POLICY tenant_select ON templates "
                                f"FOR SELECT TO CURRENT_USER USING ({rls.ORG_MATCH})", "no permissive SELECT policy"),
    "table-without-org-id": ("CREATE TABLE lookup (key text PRIMARY KEY, value text)",
                             "lookup: no org_id column, and not listed as exempt"),
}


@pytest.mark.parametrize("breakage", TABLE_BREAKAGES)
def test_catalog_check_reports_a_broken_table(migrated, breakage):
    """Negative controls: each breakage, made by the owner in a transaction rolled back after."""
    statements, expected = TABLE_BREAKAGES[breakage]
    with migrated["templates"].owner.connect() as connection, connection.begin() as transaction:
        for statement in statements.split("; "):
            connection.execute(text(statement))
        findings = table_findings(connection, templates_tables.RLS_EXEMPT)
        transaction.rollback()
    assert any(expected in finding for finding in findings), findings


def test_catalog_check_reports_a_stale_exempt_list(migrated):
    with migrated["templates"].app.connect() as connection:
        findings = table_findings(connection, (*templates_tables.RLS_EXEMPT, "webhook_keys"))
    assert findings == ["webhook_keys: listed as exempt from RLS but there is no such table"]


ROLE_BREAKAGES = {
    "superuser": ('ALTER ROLE "{app}" SUPERUSER', "has rolsuper"),
    "bypassrls": ('ALTER ROLE "{app}" BYPASSRLS', "has rolbypassrls"),
    "owns-a-table": ('ALTER TABLE templates OWNER TO "{app}"', "owns templates"),
    "member-of-the-owner": ('GRANT "{owner}" TO "{app}"', "(as a member of {owner})"),
    "may-truncate": ('GRANT TRUNCATE ON templates TO "{app}"', "has TRUNCATE on templates"),
    "writes-alembic-version": ('GRANT UPDATE ON alembic_version TO "{app}"', "has UPDATE on alembic_version"),
    "view-owned-by-a-superuser": ("CREATE VIEW all_templates AS SELECT * FROM templates",
                                  "view all_templates is owned by a superuser"),
}


@pytest.mark.parametrize("breakage", ROLE_BREAKAGES)
def test_role_check_reports_an_unfit_app_role(migrated, postgres_admin_url, breakage):
    """Negative controls, made by the admin in a transaction rolled back after."""
    one = migrated["templates"]
    names = {"app": one.db.app_role, "owner": one.db.owner_role}
    statement, expected = (part.format(**names) for part in ROLE_BREAKAGES[breakage])
    admin = create_engine(make_url(postgres_admin_url).set(database=one.db.name))
    try:
        with admin.connect() as connection, connection.begin() as transaction:
            connection.execute(text(statement))
            findings = role_findings(connection, one.db.app_role)
            transaction.rollback()
    finally:
        admin.dispose()
    assert any(expected in finding for finding in findings), findings


# --- isolation, table by table ------------------------------------------------------------------

def set_org(connection: Connection, org: str | None) -> None:
    connection.execute(select(func.set_config("app.org_id", org or "", True)))


def row_for(table: Table, org: str) -> dict:
    """Values for every column of ``table`` from its types, with ``org_id`` = ``org``."""
    values = {}
    for column in table.columns:
        if column.name == "org_id":
            values[column.name] = org
            continue
        if column.primary_key and column.autoincrement is True:
            continue
        column_type = getattr(column.type, "impl_instance", column.type)  # what a TypeDecorator stores
        if isinstance(column_type, JSON):  # documents (a template's plan, tags): any JSON value will do
            values[column.name] = []
            continue
        kind = column_type.python_type
        if kind is str:
            values[column.name] = uuid.uuid4().hex[: getattr(column_type, "length", None) or 32]
        elif kind is int:
            values[column.name] = random.randint(1, 2**31 - 1)
        elif kind is datetime:
            values[column.name] = datetime.now(UTC)
        elif kind is date:
            values[column.name] = datetime.now(UTC).date()
        elif kind is bool:
            values[column.name] = False
        elif kind in (float, Decimal):
            values[column.name] = kind(1)
        elif kind in (dict, list):
            values[column.name] = kind()
        elif kind is bytes:  # sealed secrets: nonce and ciphertext
            values[column.name] = uuid.uuid4().bytes
        else:  # a new column type: teach this generator, so the table stays covered
            raise NotImplementedError(f"{table.name}.{column.name}: no value generator for {kind}")
    return values


def visible_orgs(connection: Connection, table: Table) -> list[str]:
    return connection.execute(select(table.c.org_id)).scalars().all()


@pytest.mark.parametrize(("service", "table_name"), TENANT_TABLES)
def test_isolation_org_a_can_neither_see_nor_touch_org_b(migrated, service, table_name):
    one, table = migrated[service], SERVICES[service][2].metadata.tables[table_name]
    org_a, org_b = str(uuid.uuid4()), str(uuid.uuid4())
    # A table keyed by org_id alone (an org's settings) holds one row per org: the owner's
    # positive control writes for a third org there.
    one_per_org = [column.name for column in table.primary_key] == ["org_id"]
    owners_org = str(uuid.uuid4()) if one_per_org else org_b
    for org, engine in ((org_a, one.app), (org_b, one.app), (owners_org, one.owner)):
        with engine.begin() as db:  # positive control: each org can write its own rows
            set_org(db, org)
            db.execute(insert(table).values(row_for(table, org)))

    for who in (one.app, one.owner):  # RLS is forced: it binds the owner as well
        with who.begin() as db:
            set_org(db, org_a)
            assert visible_orgs(db, table) == [org_a]
            assert db.execute(select(func.count()).select_from(table).where(table.c.org_id == org_b)).scalar() == 0
            assert db.execute(update(table).where(table.c.org_id == org_b).values(org_id=org_b)
                              .returning(table.c.org_id)).all() == []
            assert db.execute(delete(table).where(table.c.org_id == org_b).returning(table.c.org_id)).all() == []
            # positive control: the same statements do reach A's own row
            assert db.execute(update(table).where(table.c.org_id == org_a).values(org_id=org_a)
                              .returning(table.c.org_id)).all() == [(org_a,)]

    with one.app.connect() as db:
        for org in (org_a, org_b):  # B's rows are all still there
            with db.begin():
                set_org(db, org)
                assert visible_orgs(db, table) == [org] * (1 if org == org_a or one_per_org else 2)

    with one.app.begin() as db, pytest.raises(DBAPIError, match="violates row-level security policy"):
        set_org(db, org_a)
        db.execute(insert(table).values(row_for(table, org_b)))
    with one.app.begin() as db, pytest.raises(DBAPIError, match="violates row-level security policy"):
        set_org(db, org_a)
        db.execute(update(table).where(table.c.org_id == org_a).values(org_id=org_b))


@pytest.mark.parametrize(("service", "table_name"), TENANT_TABLES)
def test_isolation_without_an_org_nothing_is_visible_or_writable(migrated, service, table_name):
    one, table = migrated[service], SERVICES[service][2].metadata.tables[table_name]
    org = str(uuid.uuid4())
    with one.app.begin() as db:
        set_org(db, org)
        db.execute(insert(table).values(row_for(table, org)))
    with one.app.connect() as db:
        with db.begin():  # not set in this transaction
            assert db.execute(select(func.count()).select_from(table)).scalar() == 0
        with db.begin():
            set_org(db, org)
            assert visible_orgs(db, table) == [org]
        with db.begin():  # set, then reset: the setting reads '' now, which must match no row either
            assert db.execute(text("SELECT current_setting('app.org_id', true)")).scalar() == ""
            assert db.execute(select(func.count()).select_from(table)).scalar() == 0
            assert db.execute(update(table).values(org_id=table.c.org_id).returning(table.c.org_id)).all() == []
            assert db.execute(delete(table).returning(table.c.org_id)).all() == []
    with one.app.begin() as db, pytest.raises(DBAPIError, match="violates row-level security policy"):
        db.execute(insert(table).values(row_for(table, org)))
