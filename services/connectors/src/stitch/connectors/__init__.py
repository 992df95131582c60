"""Stitch connectors service: integrations, encrypted tokens, inbound webhooks, outbound delivery."""
