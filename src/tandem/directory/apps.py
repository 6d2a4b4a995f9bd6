from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.directory"
    label = "directory"
