"""Adapters of the listener: JSON-RPC to chains and its cursor table."""
