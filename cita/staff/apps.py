from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "cita.staff"
    label = "staff"
    verbose_name = "Staff"
