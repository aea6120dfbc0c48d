"""The chat tables and the PGP signature adapter."""
