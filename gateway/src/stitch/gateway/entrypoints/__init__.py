"""The gateway HTTP app and its process entrypoints."""
