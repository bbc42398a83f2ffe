from django.urls import path

from cita.staff.views import audit as views

app_name = "audit"
urlpatterns = [
    path("", views.log, name="log"),
    path("verify", views.verify, name="verify"),
    path("events/<int:event_id>", views.event, name="event"),
    path("heads.json", views.heads, name="heads"),
]
