"""Builders for test data, one module per domain. They go through services where services own the rules."""
