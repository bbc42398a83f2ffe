"""WSGI entry point (granian serves it: `cita serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cita.settings")
application = get_wsgi_application()
