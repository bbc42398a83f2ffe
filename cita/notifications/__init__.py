"""Notifications: the transactional outbox, channels (SMTP email, SMS adapter, in-app), templates."""
