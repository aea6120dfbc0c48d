"""The chat routes: requests, messages and answers; chats and history reads."""
