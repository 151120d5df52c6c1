"""The Telegram face (python-telegram-bot 22): handlers in handlers.py, wiring in app.py, replies in format.py."""
