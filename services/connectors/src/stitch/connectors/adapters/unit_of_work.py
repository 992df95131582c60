"""The connectors unit of work: the shared SQL one (outbox, inbox, org for RLS) plus this service's stores."""

from __future__ import annotations

from typing import Self

from stitch.common.db.uow import SqlUnitOfWork
from stitch.connectors.adapters.connection_repository import SqlConnections
from stitch.connectors.adapters.delivery_repository import SqlDeliveries, SqlDeliveryQueue
from stitch.connectors.adapters.directory import SqlAccountChannels, SqlDirectory
from stitch.connectors.adapters.vault_repository import SqlOAuthStates, SqlVault


class ConnectorsUnitOfWork(SqlUnitOfWork):
    def __enter__(self) -> Self:
        super().__enter__()
        session = self.session
        self.connections = SqlConnections(session)
        self.vault = SqlVault(session)  # sealed tokens and their cross-org index
        self.oauth_states = SqlOAuthStates(session)
        self.deliveries = SqlDeliveries(session)  # the delivery log
        self.delivery_queue = SqlDeliveryQueue(session)
        self.directory = SqlDirectory(session)  # organizations, staff, branding
        self.account_channels = SqlAccountChannels(session)
        return self
