from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cita.web"
    label = "web"
    verbose_name = "Applicant web"
