"""The users feature's SQL beside the profile table (chat/adapters/chat_db.py)."""
