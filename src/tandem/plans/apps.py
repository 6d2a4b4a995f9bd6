from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.plans"
    label = "plans"
    verbose_name = "Crisis response plans"
