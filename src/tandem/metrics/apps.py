from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.metrics"
    label = "metrics"
    verbose_name = "Program metrics"
