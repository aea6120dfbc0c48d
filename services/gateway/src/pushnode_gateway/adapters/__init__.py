"""Adapters of the gateway: its read-model tables."""
