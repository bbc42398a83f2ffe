"""Every route of cita. Each view declares who may use it (cita.core.access); tests check them all."""

from django.urls import include, path

from cita.core import views as core_views
from cita.core.admin import admin_site
from cita.staff.urls import notifications as staff_notifications
from cita.staff.views import metrics
from cita.web.urls import messages

handler404 = "cita.web.errors.not_found"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("staff/capacity/", include("cita.staff.urls.capacity")),
    path("staff/", include("cita.staff.urls")),
    path("audit/", include("cita.staff.urls.audit")),
    path("admin/", admin_site.urls),
    path("api/v1/", include("cita.api.urls")),
    path("hooks/", include("cita.web.urls.hooks")),
    path("", include((messages.urlpatterns + staff_notifications.urlpatterns, "notifications"))),
    path("", include("cita.web.urls.draws")),
    path("", include("cita.web.urls.appointments")),
    path("", include("cita.web.urls.transparency")),
    path("", include("cita.web.urls")),
]
