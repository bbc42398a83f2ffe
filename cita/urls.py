"""Every route of cita. Each view declares who may use it (cita.core.access); tests check them all."""

from django.urls import include, path

from cita.core import views as core_views
from cita.core.admin import admin_site

handler404 = "cita.web.errors.not_found"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("staff/capacity/", include("cita.ports.urls")),
    path("staff/", include("cita.staff.urls")),
    path("audit/", include("cita.audit.urls")),
    path("admin/", admin_site.urls),
    path("api/v1/", include("cita.api.urls")),
    path("", include("cita.notifications.urls")),
    path("", include("cita.draws.urls")),
    path("", include("cita.appointments.urls")),
    path("", include("cita.transparency.urls")),
    path("", include("cita.web.urls")),
]
