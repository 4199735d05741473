"""User accounts: the users table, password checks and the account endpoints."""
