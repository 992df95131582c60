"""Use cases of the portal service and the ports they need."""
