"""Use cases of the workflows service and the ports they need."""
