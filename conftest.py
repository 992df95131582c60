# The shared fixtures (infra discovery, per-run databases, broker prefixes, test keys).
pytest_plugins = ["stitch.common.testing.plugin"]
