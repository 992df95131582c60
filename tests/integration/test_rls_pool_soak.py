"""Pool-leak soak (reliability-security.md R4): thousands of interleaved units of work over a small
pool never hand one org's rows to another.

The templates service's own unit of work sets ``app.org_id`` per transaction; every operation
reads ``SELECT org_id FROM templates`` *without* a WHERE on org, so only row-level security
stands between it and the other orgs' rows, on pooled connections that a moment ago served
another org or died mid-transaction. Every returned row is checked against the caller's org.

The negative control runs the same workload with the org set for the whole session
(``set_config(..., false)``) and some operations forgetting to set it: those see the previous
user's rows, which shows the soak can fail.
"""

from __future__ import annotations

import collections
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import sessionmaker

from stitch.common.db.engine import make_engine
from stitch.common.db.uow import make_session_factory
from stitch.templates import config as templates_config
from stitch.templates.adapters.tables import metadata, templates
from stitch.templates.adapters.unit_of_work import TemplatesUnitOfWork
from stitch.templates.bootstrap import bootstrap as templates_bootstrap
from stitch.templates.domain.template import Template

pytestmark = pytest.mark.integration

OPERATIONS = 10_000
ORGS = 50
POOL_SIZE = 5
THREADS = 16
SEED_ROWS = 2  # per org, so an operation in any org has rows to see
# share of operations by kind: read; write then read; raise mid-transaction; forget to set the org
MIX = {"read": 0.70, "write": 0.17, "raise": 0.10, "no_org": 0.03}
NEGATIVE_CONTROL_OPERATIONS = 2_000


class Boom(Exception):
    """Raised mid-transaction, after the org was set and rows were read (and sometimes written)."""


@dataclass
class Tally:
    seconds: float = 0.0
    operations: int = 0
    rows_checked: int = 0
    foreign_rows: int = 0
    raised: int = 0
    written: collections.Counter = field(default_factory=collections.Counter)
    connections: set = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Soak:
    engine: Engine  # the app role, POOL_SIZE connections and no overflow
    owner_url: str
    orgs: list[str]
    seeded: collections.Counter


@pytest.fixture
def soak(databases, tmp_path, test_keys) -> Iterator[Soak]:
    db = databases.create_with_roles("soak")
    runtime = templates_bootstrap(templates_config.load(database_url=db.app_url, migrate_database_url=db.owner_url,
                                                        broker_url="memory://", var_dir=tmp_path),
                                  verifier=test_keys.verifier())
    runtime.migrate()
    runtime.engine.dispose()
    engine = make_engine(db.app_url, pool_size=POOL_SIZE, max_overflow=0)
    orgs = [str(uuid.uuid4()) for _ in range(ORGS)]
    sessions = make_session_factory(engine)
    for org in orgs:
        with TemplatesUnitOfWork(sessions, metadata, "templates") as uow:
            uow.set_org(org)
            for n in range(SEED_ROWS):
                uow.templates.add(Template.create(org, {"name": f"seed {n}"}, "soak", datetime.now(UTC)))
            uow.commit()
    yield Soak(engine, db.owner_url, orgs, collections.Counter(dict.fromkeys(orgs, SEED_ROWS)))
    engine.dispose()


def plan(orgs: list[str], count: int, seed: int) -> list[tuple[str, str]]:
    chooser = random.Random(seed)
    kinds = chooser.choices(list(MIX), weights=list(MIX.values()), k=count)
    return [(chooser.choice(orgs), kind) for kind in kinds]


def operation(new_uow: Callable[[], TemplatesUnitOfWork], org: str, kind: str, tally: Tally) -> None:
    """One request's unit of work; rows of any org but ``org`` count as foreign."""
    with new_uow() as uow:
        if kind != "no_org":
            uow.set_org(org)
        rows = uow.session.execute(text("SELECT org_id, pg_backend_pid() FROM templates")).all()
        foreign = sum(1 for row_org, _pid in rows if row_org != org)
        write = kind == "write" or (kind == "raise" and len(rows) % 2 == 0)
        if write:
            uow.templates.add(Template.create(org, {"name": f"soak {uuid.uuid4()}"}, "soak", datetime.now(UTC)))
        if kind == "raise":
            with tally.lock:
                tally.raised += 1
            raise Boom(org)
        uow.commit()
    with tally.lock:
        tally.operations += 1
        tally.rows_checked += len(rows)
        tally.foreign_rows += foreign
        tally.connections.update(pid for _org, pid in rows)
        if write:
            tally.written[org] += 1


def run(new_uow: Callable[[], TemplatesUnitOfWork], work: list[tuple[str, str]]) -> Tally:
    tally = Tally()

    def one(item: tuple[str, str]) -> None:
        try:
            operation(new_uow, *item, tally)
        except Boom:
            pass

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(one, work))  # re-raises anything but Boom
    tally.seconds = time.perf_counter() - started
    return tally


def test_soak_no_operation_sees_another_orgs_rows(soak, record_property):
    sessions = make_session_factory(soak.engine)
    connects = []
    event.listen(soak.engine, "connect", lambda *_: connects.append(1))
    work = plan(soak.orgs, OPERATIONS, seed=1)

    tally = run(lambda: TemplatesUnitOfWork(sessions, metadata, "templates"), work)

    kinds = collections.Counter(kind for _org, kind in work)
    figures = (f"{OPERATIONS} operations over {ORGS} orgs, pool of {POOL_SIZE} connections, {THREADS} threads, "
               f"{kinds['raise']} raised mid-transaction, {tally.rows_checked} rows checked, "
               f"{tally.foreign_rows} foreign, {tally.seconds:.1f} s")
    print(f"\nRLS pool soak: {figures}")
    record_property("rls_soak", figures)
    assert tally.foreign_rows == 0, figures
    assert tally.operations + tally.raised == OPERATIONS and tally.raised == kinds["raise"]
    assert tally.rows_checked >= (OPERATIONS - kinds["raise"] - kinds["no_org"]) * SEED_ROWS  # rows were seen
    assert len(connects) <= POOL_SIZE and len(tally.connections) <= POOL_SIZE  # connections were reused
    # what raised was rolled back, what committed is there: counted per org by the owner role
    owner = make_engine(soak.owner_url, pool_size=1)
    try:
        for org in soak.orgs:
            with owner.begin() as db:
                db.execute(select(func.set_config("app.org_id", org, True)))
                count = db.execute(select(func.count()).select_from(templates)).scalar()
            assert count == soak.seeded[org] + tally.written[org], org
    finally:
        owner.dispose()


class SessionScopedOrgUnitOfWork(TemplatesUnitOfWork):
    """The mistake the design forbids: the org set for the session, not the transaction."""

    def set_org(self, org_id: str | None) -> None:
        self.org_id = org_id
        self.session.execute(select(func.set_config("app.org_id", org_id or "", False)))


def test_soak_negative_control_session_scoped_org_leaks_across_pooled_connections(soak):
    sessions = sessionmaker(bind=soak.engine, expire_on_commit=False)  # no per-transaction set_config
    work = plan(soak.orgs, NEGATIVE_CONTROL_OPERATIONS, seed=2)
    work = [(org, "no_org" if n % 5 == 0 else kind) for n, (org, kind) in enumerate(work)]  # a fifth forget

    tally = run(lambda: SessionScopedOrgUnitOfWork(sessions, metadata, "templates"), work)

    print(f"\nRLS pool soak, negative control: {len(work)} operations, {tally.foreign_rows} foreign rows "
          f"of {tally.rows_checked} checked, {tally.seconds:.1f} s")
    assert tally.foreign_rows > 0, "the soak could not tell a leaking pool from a safe one"
