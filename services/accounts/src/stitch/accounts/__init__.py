"""Stitch accounts service."""
