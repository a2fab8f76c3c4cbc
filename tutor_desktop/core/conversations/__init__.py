"""Conversations and messages, with the privacy rule enforced on every read."""

from tutor_desktop.core.conversations.store import Conversation, ConversationStore, Message

__all__ = ["Conversation", "ConversationStore", "Message"]
