"""Safe defaults with no environment set."""

import os
import subprocess
import sys

from django.conf import settings


def _settings_in_fresh_process(env: dict, expr: str) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expr})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tandem.settings", **env},
    )
    return result.stdout.strip()


def test_a_secret_key_is_made_on_first_run_outside_the_repository(tmp_path):
    key_file = tmp_path / "cfg" / "secret_key"
    env = {"TANDEM_SECRET_KEY_FILE": str(key_file), "TANDEM_VAR_DIR": str(tmp_path / "var")}
    env.pop("TANDEM_SECRET_KEY", None)
    first = _settings_in_fresh_process(env, "settings.SECRET_KEY")
    second = _settings_in_fresh_process(env, "settings.SECRET_KEY")
    assert first == second == key_file.read_text().strip()
    assert len(first) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert not str(key_file).startswith(str(settings.REPO_DIR / "src"))


def test_debug_is_off_and_hosts_are_limited_by_default():
    assert settings.DEBUG is False
    assert "*" not in settings.ALLOWED_HOSTS


def test_every_page_forbids_inline_script_and_style_and_framing(client):
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
