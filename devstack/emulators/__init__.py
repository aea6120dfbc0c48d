"""Local stand-ins for third-party services, for dev and tests."""
