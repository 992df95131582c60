"""Stitch templates service."""
