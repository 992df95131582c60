"""The accounts domain: pure Python, no framework imports. The onboarding engine lands here."""
