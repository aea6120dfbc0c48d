"""Adapters of the validator: its database tables."""
