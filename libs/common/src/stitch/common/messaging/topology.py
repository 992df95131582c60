"""The exchange and queues of DESIGN §3, one place for every service.

``stitch.events`` (topic) carries every event; each consuming service owns a durable quorum
queue ``<service>.events`` with a delivery limit. A message that is rejected, or redelivered past
the limit, goes to ``stitch.events.dlx`` with the queue's own name as routing key, so each
service's dead letters land in its own ``<service>.events.dlq`` whatever the event type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kombu import Connection, Exchange, Queue


@dataclass(frozen=True)
class Topology:
    prefix: str = ""
    delivery_limit: int = 5

    @property
    def events(self) -> Exchange:
        return Exchange(f"{self.prefix}stitch.events", type="topic", durable=True)

    @property
    def dead_letters(self) -> Exchange:
        return Exchange(f"{self.prefix}stitch.events.dlx", type="direct", durable=True)

    def queue_name(self, service: str) -> str:
        return f"{self.prefix}{service}.events"

    def service_queues(self, service: str, routing_keys: Iterable[str]) -> list[Queue]:
        """The service's queue once per binding (kombu binds a Queue to one routing key)."""
        name = self.queue_name(service)
        arguments = {
            "x-queue-type": "quorum",
            "x-delivery-limit": self.delivery_limit,
            "x-dead-letter-exchange": self.dead_letters.name,
            "x-dead-letter-routing-key": name,
        }
        return [
            Queue(name, self.events, routing_key=key, durable=True, queue_arguments=arguments)
            for key in sorted(set(routing_keys))
        ]

    def dead_letter_queue(self, service: str) -> Queue:
        name = self.queue_name(service)
        return Queue(f"{name}.dlq", self.dead_letters, routing_key=name, durable=True,
                     queue_arguments={"x-queue-type": "quorum"})

    def declare(self, connection: Connection, service: str, routing_keys: Iterable[str]) -> None:
        """Declare the exchanges and (if it consumes anything) the service's queues."""
        channel = connection.default_channel
        self.events(channel).declare()
        keys = list(routing_keys)
        if not keys:
            return
        self.dead_letters(channel).declare()
        self.dead_letter_queue(service)(channel).declare()
        for queue in self.service_queues(service, keys):
            queue(channel).declare()
