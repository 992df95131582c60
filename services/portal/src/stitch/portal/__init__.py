"""Stitch portal service: customer portal access, branding, the customer-visible projection, uploads."""
