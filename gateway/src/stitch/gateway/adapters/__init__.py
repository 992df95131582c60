"""Gateway adapters: signing keys, the HTTP forwarder, readiness probes."""
