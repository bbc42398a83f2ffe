from django.urls import path

from cita.staff.views import notifications

# Under the namespace "notifications" with the applicant's inbox (cita.web.urls.messages; see cita/urls.py).
urlpatterns = [
    path("staff/notifications/", notifications.admin_list, name="admin_list"),
    path("staff/notifications/<int:delivery_id>/retry", notifications.admin_retry, name="admin_retry"),
]
