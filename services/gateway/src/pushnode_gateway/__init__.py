"""pushnode gateway service."""
