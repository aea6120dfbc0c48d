"""Push profiles (v2/users): registration, key rotation, profile updates."""
