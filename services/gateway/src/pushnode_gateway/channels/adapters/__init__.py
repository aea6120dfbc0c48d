"""The channel tables: registry rows, sent notifications, metadata, aliases."""
