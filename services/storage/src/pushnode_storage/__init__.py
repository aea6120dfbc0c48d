"""pushnode storage service."""
