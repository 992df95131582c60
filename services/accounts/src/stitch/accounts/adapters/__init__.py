"""Adapters of the accounts service: SQLAlchemy tables and repositories."""
