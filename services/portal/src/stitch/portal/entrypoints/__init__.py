"""HTTP API and process entrypoints of the portal service."""
