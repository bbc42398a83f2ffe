"""Synthetic demo data: ports, capacity, shelters, staff of every role. No real people."""
