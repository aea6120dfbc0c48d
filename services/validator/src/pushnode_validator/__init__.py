"""pushnode validator service."""
