"""Device tokens and how each device's push of a notification went."""
