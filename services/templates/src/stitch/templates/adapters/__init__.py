"""Adapters of the templates service: SQLAlchemy tables and repositories."""
