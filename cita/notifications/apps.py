from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "cita.notifications"
    label = "notifications"
    verbose_name = "Notifications"
