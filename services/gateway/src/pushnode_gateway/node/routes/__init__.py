"""The console's routes: node status and the dev-mode test notification."""
