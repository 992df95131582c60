"""Adapters of the portal service."""
