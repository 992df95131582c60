"""The sealed tokens, their cross-org index (refresh times, key ids) and the OAuth states."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from stitch.common.db.dialects import dialect_insert
from stitch.common.db.leases import claim_due
from stitch.connectors.adapters.tables import connection_secrets, oauth_states, vault_index
from stitch.connectors.application.ports import Due, OAuthState, Sealed


class SqlVault:
    def __init__(self, session: Session) -> None:
        self._session = session

    def put(self, org_id: str, connection_id: str, field: str, sealed: Sealed) -> None:
        statement = dialect_insert(self._session)(connection_secrets).values(
            connection_id=connection_id, field=field, org_id=org_id, key_id=sealed.key_id, nonce=sealed.nonce,
            ciphertext=sealed.ciphertext, sealed_at=datetime.now(UTC))
        self._session.execute(statement.on_conflict_do_update(
            index_elements=["connection_id", "field"],
            set_={name: statement.excluded[name] for name in ("key_id", "nonce", "ciphertext", "sealed_at")}))

    def get(self, org_id: str, connection_id: str, field: str) -> Sealed | None:
        return self.fields(org_id, connection_id).get(field)

    def fields(self, org_id: str, connection_id: str) -> dict[str, Sealed]:
        rows = self._session.execute(select(connection_secrets).where(
            connection_secrets.c.org_id == org_id, connection_secrets.c.connection_id == connection_id))
        return {row.field: Sealed(row.key_id, bytes(row.nonce), bytes(row.ciphertext)) for row in rows}

    def erase(self, org_id: str, connection_id: str) -> int:
        return self._session.execute(delete(connection_secrets).where(
            connection_secrets.c.org_id == org_id, connection_secrets.c.connection_id == connection_id)).rowcount

    def index(self, org_id: str, connection_id: str, key_id: str, refresh_at: datetime | None) -> None:
        statement = dialect_insert(self._session)(vault_index).values(
            connection_id=connection_id, org_id=org_id, key_id=key_id, refresh_at=refresh_at, leased_until=None)
        self._session.execute(statement.on_conflict_do_update(
            index_elements=["connection_id"],
            set_={"key_id": statement.excluded.key_id, "refresh_at": statement.excluded.refresh_at,
                  "leased_until": None}))

    def unindex(self, connection_id: str) -> None:
        self._session.execute(delete(vault_index).where(vault_index.c.connection_id == connection_id))

    def claim_refresh_due(self, now: datetime, limit: int, lease_until: datetime) -> list[Due]:
        due = and_(vault_index.c.refresh_at <= now,
                   or_(vault_index.c.leased_until.is_(None), vault_index.c.leased_until < now))
        rows = claim_due(self._session, vault_index, vault_index.c.connection_id, vault_index.c.refresh_at, due,
                         limit, lease_until, (vault_index.c.connection_id, vault_index.c.org_id))
        return [Due(*row) for row in rows]

    def schedule_refresh(self, connection_id: str, refresh_at: datetime | None) -> None:
        self._session.execute(update(vault_index).where(vault_index.c.connection_id == connection_id)
                              .values(refresh_at=refresh_at, leased_until=None))

    def not_under(self, key_id: str, limit: int, after: str) -> list[Due]:
        rows = self._session.execute(
            select(vault_index.c.connection_id, vault_index.c.org_id)
            .where(vault_index.c.key_id != key_id, vault_index.c.connection_id > after)
            .order_by(vault_index.c.connection_id).limit(limit))
        return [Due(row.connection_id, row.org_id) for row in rows]

    def count_by_key(self) -> dict[str, int]:
        rows = self._session.execute(select(vault_index.c.key_id, func.count()).group_by(vault_index.c.key_id))
        return {key_id: count for key_id, count in rows}


class SqlOAuthStates:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, state: OAuthState) -> None:
        verifier = state.verifier
        self._session.execute(oauth_states.insert().values(
            state_hash=state.state_hash, org_id=state.org_id, user_id=state.user_id, provider=state.provider,
            browser_hash=state.browser_hash, return_to=state.return_to, created_at=state.created_at,
            expires_at=state.expires_at, verifier_key_id=verifier.key_id if verifier else None,
            verifier_nonce=verifier.nonce if verifier else None, verifier=verifier.ciphertext if verifier else None))

    def take(self, state_hash: str, now: datetime) -> OAuthState | None:
        # One UPDATE decides who uses a state: of two racing callbacks only one sees a row come back.
        row = self._session.execute(
            update(oauth_states).where(oauth_states.c.state_hash == state_hash, oauth_states.c.used_at.is_(None))
            .values(used_at=now).returning(*oauth_states.c)).first()
        if row is None:
            return None
        verifier = (Sealed(row.verifier_key_id, bytes(row.verifier_nonce), bytes(row.verifier))
                    if row.verifier is not None else None)
        return OAuthState(state_hash=row.state_hash, org_id=row.org_id, user_id=row.user_id, provider=row.provider,
                          browser_hash=row.browser_hash, verifier=verifier, return_to=row.return_to,
                          created_at=row.created_at, expires_at=row.expires_at)

    def purge(self, before: datetime) -> int:
        """Expired states go; used ones stay until they expire, so a replay still finds them used."""
        return self._session.execute(delete(oauth_states).where(oauth_states.c.expires_at < before)).rowcount
