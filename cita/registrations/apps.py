from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "cita.registrations"
    label = "registrations"
    verbose_name = "Registrations"
