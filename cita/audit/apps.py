from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "cita.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from cita.core.db_grants import grant_after_migrate

        # Once per migrate (this app's signal; post_migrate comes after every app's migrations): the
        # application role gets rows, never tables, so it cannot switch the audit trigger off.
        post_migrate.connect(grant_after_migrate, sender=self, dispatch_uid="cita.core.grant_after_migrate")
