from django.apps import AppConfig


class PortsConfig(AppConfig):
    name = "cita.ports"
    label = "ports"
    verbose_name = "Ports of entry"
