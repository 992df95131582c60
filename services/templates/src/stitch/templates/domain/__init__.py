"""The templates domain: pure Python, no framework imports."""
