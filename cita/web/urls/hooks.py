from django.urls import path

from cita.web.views import hooks

app_name = "hooks"
urlpatterns = [
    path("sms", hooks.sms, name="sms"),
    path("whatsapp", hooks.whatsapp, name="whatsapp"),
]
