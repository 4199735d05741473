"""The Content-Security-Policy of HTML pages: this origin only.

Scripts, styles, images, fonts and connections (websockets included) may come from this
origin alone; inline scripts run only when they are the page's own, named by their SHA-256
hash (the API docs page starts Swagger UI with one); nothing may frame a page, and forms
post only to this origin.
"""

import base64
import hashlib
import re

_INLINE_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)


def content_security_policy(html: bytes) -> str:
    """A policy allowing only this origin, and the inline scripts `html` itself holds."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for attributes, body in _INLINE_SCRIPT.findall(html)
        if body.strip() and b"src=" not in attributes.lower()
    ]
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *sorted(set(hashes))]),
            # Style attributes and the styles scripts insert (htmx, Swagger UI) stay allowed.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
