from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.core"
    label = "core"
