"""Applicants, their travel groups, identity de-duplication and consent. Personal data is sealed at rest."""
