"""The portal domain: pure Python, no framework imports."""
