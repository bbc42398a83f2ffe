"""The JSON API, version 1 (`/api/v1/`): django-ninja operations over the domains' services and selectors,
with an OpenAPI document at `/api/v1/openapi.json` and RFC 9457 problem bodies for every error (docs/api.md).
"""
