"""Staff console pages, one module per console: sign-in and account, admin, NGO, planner."""
