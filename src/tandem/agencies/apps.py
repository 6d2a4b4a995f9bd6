from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.agencies"
    label = "agencies"
