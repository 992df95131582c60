"""Stitch workflows service: CRM-triggered routing graphs, durable runs, human tasks, test runs."""
