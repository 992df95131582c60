import pytest

from stitch.common.db.grants import runtime_role
from stitch.common.settings import ServiceSettings

OWNER = "postgresql+psycopg://owner:pw@db:5432/stitch_templates"


@pytest.mark.parametrize(("runtime_url", "role"), [
    ("postgresql+psycopg://app:pw@db:5432/stitch_templates", "app"),
    (OWNER, None),  # one role for both: nothing to grant
    ("postgresql+psycopg://owner:other@db:5432/stitch_templates", None),
    ("postgresql+psycopg://db:5432/stitch_templates", None),  # no user in the URL: nobody to grant to
    ("sqlite:////tmp/templates.sqlite", None),
])
def test_the_runtime_role_is_granted_only_when_it_is_another_postgres_user(runtime_url, role):
    assert runtime_role(OWNER, runtime_url) == role


def test_sqlite_is_never_granted_anything():
    assert runtime_role("sqlite:////tmp/a.sqlite", "sqlite:////tmp/a.sqlite") is None


def test_migrations_use_the_owner_url_or_else_the_runtime_url(tmp_path):
    app = "postgresql+psycopg://app@db/x"
    assert ServiceSettings(service="s", database_url=app).migrate_sqlalchemy_url == app
    assert ServiceSettings(service="s", database_url=app, migrate_database_url=OWNER).migrate_sqlalchemy_url == OWNER
    embedded = ServiceSettings(service="s", var_dir=tmp_path)
    assert embedded.migrate_sqlalchemy_url == embedded.sqlalchemy_url == f"sqlite:///{tmp_path.resolve()}/db/s.sqlite"
