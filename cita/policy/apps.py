from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "cita.policy"
    label = "policy"
    verbose_name = "draw policy"
