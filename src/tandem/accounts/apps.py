from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.accounts"
    label = "accounts"
