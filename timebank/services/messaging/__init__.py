"""Conversations, in-app notifications, digests and outgoing mail (DESIGN.md §2:
mail goes out after the commit)."""
