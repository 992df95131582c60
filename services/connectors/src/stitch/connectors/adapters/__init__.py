"""Adapters of the connectors service."""
