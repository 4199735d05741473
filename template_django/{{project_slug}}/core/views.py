"""Error pages: JSON under /api/ (every API error body has a `detail`), HTML elsewhere; the icon."""

from pathlib import Path

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FAVICON = Path(__file__).with_name("favicon.ico")


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> HttpResponse:
    """`GET /favicon.ico`: browsers ask for it on every page, the admin's included."""
    # 173 bytes: read whole, so ASGI serves it without streaming a file.
    return HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 for a request refused before any view, such as one for a host not in ALLOWED_HOSTS."""
    if request.path.startswith("/api/"):
        detail = "Invalid host header" if isinstance(exception, DisallowedHost) else "Bad request."
        return JsonResponse({"detail": detail}, status=400)
    return defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for a URL that matches nothing."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 for an unhandled exception."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    return defaults.server_error(request)
