"""Shared plumbing used by every domain: errors, actors and access rules, crypto, clock, logging, health."""
