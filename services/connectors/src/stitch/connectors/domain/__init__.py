"""The connectors domain: pure Python, no framework imports."""
