"""HTTP API and process entrypoints of the accounts service."""
