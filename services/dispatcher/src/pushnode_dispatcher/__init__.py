"""pushnode dispatcher service."""
