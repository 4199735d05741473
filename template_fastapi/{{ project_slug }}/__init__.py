"""The service: its API and the parts built on it, its configuration and database."""
