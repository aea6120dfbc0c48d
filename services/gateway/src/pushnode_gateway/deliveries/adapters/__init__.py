"""The delivery-status table."""
