"""Events between services: kombu topology, the outbox relay and the inbox consumer."""
