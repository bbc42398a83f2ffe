from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cita.audit"
    label = "audit"
    verbose_name = "Audit log"
