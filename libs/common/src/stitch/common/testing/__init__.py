"""Test helpers shared by every package's tests (pytest plugin, fakes, a TCP proxy). Test-only."""
