from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.interop"
    label = "interop"
