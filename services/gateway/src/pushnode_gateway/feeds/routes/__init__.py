"""The feed routes: send a notification, read a wallet's feeds."""
