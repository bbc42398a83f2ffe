from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "cita.conversations"
    label = "conversations"
    verbose_name = "Conversations"
