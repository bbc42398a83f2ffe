"""Applicant pages, one module per part of the journey. Thin: parse input, call one service or selector,
render. Every view declares who may use it (`@allow`)."""
