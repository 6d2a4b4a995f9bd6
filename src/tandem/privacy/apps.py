from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.privacy"
    label = "privacy"
