"""CSM pools in SQL, and what choosing from one reads: the members' active accounts and who they are.

Every query filters by org as well as RLS does (SQLite has no RLS).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stitch.accounts.adapters.tables import accounts, csm_pools, staff_users
from stitch.accounts.application.pools import PoolNameTaken
from stitch.accounts.application.ports import StaffUser
from stitch.accounts.domain.errors import NotFound
from stitch.accounts.domain.pools import ACTIVE_STATUSES, Pool, PoolRule
from stitch.common.concurrency import StaleVersion
from stitch.common.db.dialects import locked


class SqlPoolRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, pool: Pool) -> None:
        self._written(insert(csm_pools).values(id=pool.id, org_id=pool.org_id, created_at=pool.created_at,
                                               version=1, **_columns(pool)))
        pool.version = 1

    def get(self, org_id: str, pool_id: str, *, for_update: bool = False) -> Pool:
        query = select(csm_pools).where(csm_pools.c.org_id == org_id, csm_pools.c.id == pool_id)
        row = self._session.execute(locked(self._session, query) if for_update else query).first()
        if row is None:
            raise _missing()
        return _pool(row)

    def page(self, org_id: str, limit: int, after: tuple[str, ...] | None) -> list[Pool]:
        query = select(csm_pools).where(csm_pools.c.org_id == org_id)
        if after is not None:
            query = query.where(tuple_(csm_pools.c.name_key, csm_pools.c.id) > tuple_(*after))
        rows = self._session.execute(query.order_by(csm_pools.c.name_key, csm_pools.c.id).limit(limit))
        return [_pool(row) for row in rows]

    def save(self, pool: Pool) -> None:
        done = self._written(update(csm_pools).where(
            csm_pools.c.org_id == pool.org_id, csm_pools.c.id == pool.id, csm_pools.c.version == pool.version,
        ).values(updated_at=pool.updated_at, version=pool.version + 1, **_columns(pool)))
        if done.rowcount != 1:
            current = self._session.execute(select(csm_pools.c.version).where(
                csm_pools.c.org_id == pool.org_id, csm_pools.c.id == pool.id)).scalar()
            if current is None:
                raise _missing()
            raise StaleVersion(current)
        pool.version += 1

    def move_turn(self, pool: Pool) -> None:
        self._session.execute(update(csm_pools).where(csm_pools.c.org_id == pool.org_id, csm_pools.c.id == pool.id)
                              .values(next_index=pool.next_index))

    def delete(self, org_id: str, pool_id: str) -> None:
        self._session.execute(delete(csm_pools).where(csm_pools.c.org_id == org_id, csm_pools.c.id == pool_id))

    def active_loads(self, org_id: str, user_ids: list[str]) -> dict[str, int]:
        if not user_ids:
            return {}
        owner = accounts.c.primary_csm_id
        rows = self._session.execute(
            select(owner, func.count()).where(
                accounts.c.org_id == org_id, owner.in_(user_ids), accounts.c.archived.is_(False),
                accounts.c.status.in_(sorted(status.value for status in ACTIVE_STATUSES)))
            .group_by(owner))
        return {user_id: count for user_id, count in rows}

    def staff(self, org_id: str, user_ids: list[str]) -> dict[str, StaffUser]:
        if not user_ids:
            return {}
        rows = self._session.execute(select(staff_users).where(staff_users.c.org_id == org_id,
                                                               staff_users.c.user_id.in_(user_ids)))
        return {row.user_id: StaffUser(user_id=row.user_id, name=row.name, email=row.email, role=row.role,
                                       active=row.active) for row in rows}

    def _written(self, statement: Any) -> Any:
        try:
            with self._session.begin_nested():  # a savepoint: the transaction survives a name clash
                return self._session.execute(statement)
        except IntegrityError as clash:
            raise PoolNameTaken() from clash


def _missing() -> NotFound:
    # No id in the message: assigning names the pool in the body, and a 404 must not echo
    # another organization's id back as if it were known here.
    return NotFound("no such CSM pool in this organization")


def _columns(pool: Pool) -> dict[str, Any]:
    return {"name": pool.name, "name_key": pool.key, "description": pool.description, "rule": pool.rule.value,
            "capacity": pool.capacity, "members": list(pool.members), "next_index": pool.next_index}


def _pool(row: Any) -> Pool:
    return Pool(id=row.id, org_id=row.org_id, name=row.name, rule=PoolRule(row.rule), members=list(row.members),
                description=row.description, capacity=row.capacity, next_index=row.next_index,
                created_at=row.created_at, updated_at=row.updated_at, version=row.version)
