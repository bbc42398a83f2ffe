from django.urls import path

from cita.web.views import appointment as views

app_name = "appointments"
urlpatterns = [
    path("appointments/<int:appointment_id>/pass", views.pass_page, name="pass"),
    path("appointments/<int:appointment_id>/pass.html", views.pass_offline, name="pass_offline"),
    path("appointments/<int:appointment_id>/pass.png", views.pass_png, name="pass_png"),
    path("appointments/<int:appointment_id>/cancel", views.cancel, name="cancel"),
    path("appointments/<int:appointment_id>/wait", views.wait_for_first_port, name="wait"),
    path("appointments/<int:appointment_id>/change", views.change, name="change"),
    path(".well-known/cita-pass-keys.json", views.pass_keys, name="pass_keys"),
]
