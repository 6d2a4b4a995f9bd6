from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.people"
    label = "people"
