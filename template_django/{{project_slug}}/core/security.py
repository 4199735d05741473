"""Django's part of the security baseline, beside SecurityMiddleware's headers.

- HTML pages get a Content-Security-Policy allowing only this origin (core/csp.py).
- A request body over DATA_UPLOAD_MAX_MEMORY_SIZE (1 MiB) is refused with 413 at once,
  JSON under /api/, plain text elsewhere (Django alone would answer 400 once it reads it).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .csp import content_security_policy

DRAIN_BYTES = 16 * 1024 * 1024


class SecurityBaselineMiddleware:
    """Refuse oversized bodies; refuse framing everywhere; a Content-Security-Policy on pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH") or ""
        limit: int = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length.isdigit() and int(length) > limit:
            response = self._too_large(request, int(length), limit)
        else:
            response = self.get_response(request)
        # Static files (WhiteNoise answers before XFrameOptionsMiddleware) and the 413 above
        # refuse framing too.
        response.headers.setdefault("X-Frame-Options", "DENY")
        is_html = response.get("Content-Type", "").startswith("text/html")
        if is_html and not response.streaming and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(response.content)
        return response

    @staticmethod
    def _too_large(request: HttpRequest, length: int, limit: int) -> HttpResponse:
        detail = f"The request body is larger than {limit} bytes."
        if length <= DRAIN_BYTES:
            # Read and drop it: a client still sending sees the 413, not a reset.
            while request.read(64 * 1024):
                pass
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": detail}, status=413)
        return HttpResponse(detail, status=413, content_type="text/plain")
