from django.urls import path

from cita.staff.views import capacity as views

app_name = "ports"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("<str:code>/", views.port_calendar, name="port"),
    path("<str:code>/template", views.template, name="template"),
    path("<str:code>/template/apply", views.template_apply, name="template_apply"),
    path("<str:code>/<str:day>", views.day, name="day"),
]
