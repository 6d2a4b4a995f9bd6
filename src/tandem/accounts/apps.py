from django.apps import AppConfig


class Config(AppConfig):
    name = "tandem.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from tandem.accounts import services

        def on_login(sender, request, user, **kwargs):
            services.login_record(actor=user)

        def on_login_failed(sender, credentials, request=None, **kwargs):
            services.login_failure_record(username=credentials.get("username", ""))

        user_logged_in.connect(on_login, weak=False, dispatch_uid="tandem-login")
        user_login_failed.connect(on_login_failed, weak=False, dispatch_uid="tandem-login-failed")
