from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "cita.appointments"
    label = "appointments"
    verbose_name = "Appointments and passes"
