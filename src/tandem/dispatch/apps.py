from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.dispatch"
    label = "dispatch"
