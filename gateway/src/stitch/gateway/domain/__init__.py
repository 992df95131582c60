"""Gateway domain (organizations and staff users arrive with the identity issues)."""
