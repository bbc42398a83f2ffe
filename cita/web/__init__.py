"""The applicant's web pages: layout, language choice, static assets, and the applicant journey."""
