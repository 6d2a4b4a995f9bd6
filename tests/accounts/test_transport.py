"""Over TLS, cookies are secure, plain HTTP is redirected and browsers remember HTTPS."""

import json

from tests.core.test_settings import _settings_in_fresh_process

NAMES = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
]


def transport_settings(tls: str) -> dict:
    expr = f"__import__('json').dumps({{n: getattr(settings, n) for n in {NAMES!r}}})"
    return json.loads(_settings_in_fresh_process({"TANDEM_TLS": tls}, expr))


def test_tls_turns_on_secure_cookies_the_https_redirect_and_a_year_of_hsts():
    assert transport_settings("1") == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    }


def test_without_tls_nothing_insists_on_https():
    assert not any(transport_settings("0").values())


def test_a_plain_http_request_is_redirected_to_https_except_the_health_check(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"
    assert client.get("/healthz").status_code == 200
    secure = client.get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
