"""The feed tables: per-recipient rows, broadcasts and subscription periods."""
