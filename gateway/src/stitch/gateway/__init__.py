"""Stitch gateway: the only token issuer, the route table, the public-route list, ops health."""
