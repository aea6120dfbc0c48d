"""Adapters of the storage service: kubo and its database tables."""
