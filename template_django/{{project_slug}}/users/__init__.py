"""People who sign in: the custom user model and its services."""
