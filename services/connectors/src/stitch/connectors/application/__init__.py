"""Use cases of the connectors service and the ports they need."""
