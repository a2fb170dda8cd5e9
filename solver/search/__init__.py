"""The searches (see loop.py for the shared LNS loop)."""
