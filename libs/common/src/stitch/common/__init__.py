"""Mechanics shared by every Stitch service: no domain lives here."""
