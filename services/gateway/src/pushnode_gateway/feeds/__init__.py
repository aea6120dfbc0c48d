"""Notifications in and feeds out: sending, a wallet's inbox and spam box, socket history."""
