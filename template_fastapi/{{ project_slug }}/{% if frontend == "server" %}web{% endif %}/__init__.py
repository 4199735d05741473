"""Server-rendered pages (Jinja2 templates, htmx for partial updates)."""
