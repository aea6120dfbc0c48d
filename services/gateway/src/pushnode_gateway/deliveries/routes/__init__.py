"""The delivery routes: device tokens and a notification's delivery status."""
