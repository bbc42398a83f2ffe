from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cita.api"
    label = "api"
    verbose_name = "JSON API"
