"""Channels: the registry, opt-ins, what each channel sent, metadata and aliases."""
