from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.demo"
    label = "demo"
