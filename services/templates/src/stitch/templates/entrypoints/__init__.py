"""HTTP API and process entrypoints of the templates service."""
