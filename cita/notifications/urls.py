from django.urls import path

from cita.notifications import views

app_name = "notifications"
urlpatterns = [
    path("messages", views.inbox, name="inbox"),
    path("messages/channels", views.preference, name="preference"),
    path("staff/notifications/", views.admin_list, name="admin_list"),
    path("staff/notifications/<int:delivery_id>/retry", views.admin_retry, name="admin_retry"),
]
