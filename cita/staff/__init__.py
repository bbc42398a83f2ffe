"""Staff: accounts, roles and MFA, and the consoles of officers, NGO workers, planners and admins."""
