"""People who sign in: the custom user model, its services and bearer tokens."""
