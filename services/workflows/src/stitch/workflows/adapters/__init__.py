"""Adapters of the workflows service."""
