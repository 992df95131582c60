"""HTTP API and process entrypoints of the workflows service."""
