from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.imports"
    label = "imports"
    verbose_name = "Imports of CAD and crisis-team exports"
