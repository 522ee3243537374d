"""Fixtures for the judging-speed tests (none yet beyond the shared ones)."""
