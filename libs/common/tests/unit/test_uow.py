import pytest
from sqlalchemy import MetaData, func, select

from stitch.common import context
from stitch.common.db.engine import make_engine
from stitch.common.db.messaging_tables import add_messaging_tables
from stitch.common.db.uow import SqlUnitOfWork, make_session_factory
from stitch.common.envelope import Envelope, new_event


@pytest.fixture
def db(tmp_path):
    metadata = MetaData()
    add_messaging_tables(metadata)
    engine = make_engine(f"sqlite:///{tmp_path}/nested/svc.sqlite")  # the parent folder is created
    metadata.create_all(engine)
    yield engine, metadata, make_session_factory(engine)
    engine.dispose()


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_publish_and_commit_writes_one_outbox_row(db):
    engine, metadata, factory = db
    with context.bound(correlation_id="corr-1"):
        with SqlUnitOfWork(factory, metadata, "accounts") as uow:
            uow.set_org("org-1")
            envelope = uow.publish("accounts.milestone_started.v1", {"milestone": "m-1"})
            uow.commit()
    assert uow.published == [envelope]
    with engine.connect() as conn:
        rows = conn.execute(select(metadata.tables["outbox"])).mappings().all()
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == envelope.id and row["routing_key"] == "accounts.milestone_started.v1"
    assert row["sent_at"] is None and row["attempts"] == 0 and row["created_at"] is not None
    stored = Envelope.from_dict(row["envelope"])
    assert stored == envelope
    assert stored.orgid == "org-1" and stored.correlationid == "corr-1" and stored.data == {"milestone": "m-1"}


def test_leaving_without_commit_writes_nothing(db):
    engine, metadata, factory = db
    with SqlUnitOfWork(factory, metadata, "accounts") as uow:
        uow.publish("accounts.milestone_started.v1", {})
        uow.claim_inbox(new_event("templates", "templates.template_created.v1", {}, "org-1"))
    assert _count(engine, metadata.tables["outbox"]) == 0
    assert _count(engine, metadata.tables["inbox"]) == 0


def test_an_exception_rolls_back(db):
    engine, metadata, factory = db
    with pytest.raises(RuntimeError):
        with SqlUnitOfWork(factory, metadata, "accounts") as uow:
            uow.publish("accounts.milestone_started.v1", {})
            raise RuntimeError("use case failed")
    assert _count(engine, metadata.tables["outbox"]) == 0


def test_claim_inbox_once_per_event_id(db):
    engine, metadata, factory = db
    event = new_event("templates", "templates.template_created.v1", {}, "org-1")
    with SqlUnitOfWork(factory, metadata, "accounts") as uow:
        assert uow.claim_inbox(event) is True
        assert uow.claim_inbox(event) is False  # same transaction
        uow.commit()
    with SqlUnitOfWork(factory, metadata, "accounts") as uow:
        assert uow.claim_inbox(event) is False  # a redelivery after the first was applied
        assert uow.claim_inbox(new_event("templates", "templates.template_created.v1", {}, "org-1")) is True
        uow.commit()
    assert _count(engine, metadata.tables["inbox"]) == 2


def test_a_service_cannot_publish_another_services_events(db):
    _, metadata, factory = db
    with SqlUnitOfWork(factory, metadata, "accounts") as uow, pytest.raises(ValueError):
        uow.publish("templates.template_created.v1", {})
