"""Use cases of the templates service and the ports they need."""
