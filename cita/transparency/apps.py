from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "cita.transparency"
    label = "transparency"
    verbose_name = "Transparency"
