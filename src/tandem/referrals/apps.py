from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.referrals"
    label = "referrals"
