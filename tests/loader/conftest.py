"""Fixtures of the loader tests (none yet: each test builds its own text)."""
