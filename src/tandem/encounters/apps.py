from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.encounters"
    label = "encounters"
