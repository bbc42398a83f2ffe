"""Ports of entry, their hourly slots and the capacity calendar."""
