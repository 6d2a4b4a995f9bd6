from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.followups"
    label = "followups"
