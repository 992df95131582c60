"""The workflows domain: pure Python, no framework imports."""
