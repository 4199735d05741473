"""The public HTTP API: FastAPI over Django's models, mounted at /api by config/asgi.py."""
