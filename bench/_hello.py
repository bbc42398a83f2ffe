"""The floor H of bench/http.py: a bare Django hello-world, served by granian with cita's settings.

No middleware, no database, no templates, no translations: one view answering "Hello, world". Whatever
cita's own pages cost beyond this is cita's, not Django's request cycle or the server's.
"""

from __future__ import annotations

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-hello-" + "h" * 40,  # signs nothing: no sessions, no cookies
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={},
    TEMPLATES=[],
    USE_I18N=False,
    LOGGING_CONFIG=None,
)


def hello(request: HttpRequest) -> HttpResponse:
    """The whole application."""
    return HttpResponse("Hello, world", content_type="text/plain")


urlpatterns = [path("", hello)]
application = get_wsgi_application()
