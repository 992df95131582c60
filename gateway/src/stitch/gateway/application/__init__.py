"""Gateway use cases: issuing tokens, routing policy, health aggregation."""
