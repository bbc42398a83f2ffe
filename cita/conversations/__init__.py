"""Conversations: people ask, check, confirm and cancel by text message (SMS or WhatsApp)."""
