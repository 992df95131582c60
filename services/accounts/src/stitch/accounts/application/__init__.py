"""Use cases and event reactions of the accounts service."""
