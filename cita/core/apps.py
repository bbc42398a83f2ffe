from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cita.core"
    label = "core"
    verbose_name = "cita core"
