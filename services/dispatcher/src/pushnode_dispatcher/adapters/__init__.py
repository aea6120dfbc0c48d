"""Adapters to the systems the dispatcher talks to."""
