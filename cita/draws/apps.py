from django.apps import AppConfig


class DrawsConfig(AppConfig):
    name = "cita.draws"
    label = "draws"
    verbose_name = "Draws, requests and offers"
