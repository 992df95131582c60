"""HTTP API and process entrypoints of the connectors service."""
