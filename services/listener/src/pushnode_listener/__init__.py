"""pushnode listener service."""
