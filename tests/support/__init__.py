"""Helpers for integration and end-to-end tests (not shipped)."""
