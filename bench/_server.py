"""The server side of bench/dispatch_load.py: a throw-away database and a real server.

Imported by the driver for `database()` and `serve()`, which never import Django: each
database's settings are process-wide, so every step that needs Django runs in a child
process, `python bench/_server.py STEP`, with that database's environment. The steps:

    prepare   migrate, load the demo region, generate history, make the dispatcher
    board     add teams (24/7) and pending calls until the board has the asked numbers
    profile   cProfile of intake or board requests through django.test.Client

Each step prints one JSON object on stdout (profile prints text on stderr as well).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
REGION_FILE = REPO / "src" / "tandem" / "demo" / "region.yaml"
DISPATCHER = "dispatcher"


# --- driver side: no Django imports --------------------------------------------------


@contextlib.contextmanager
def database(kind: str, admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[dict[str, str]]:
    """A fresh, empty database; yields the environment that points Tandem at it."""
    with tempfile.TemporaryDirectory(prefix=f"tandem-load-{kind}-") as var_dir:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tandem.settings",
            "TANDEM_VAR_DIR": var_dir,
            "TANDEM_SECRET_KEY": secrets.token_urlsafe(50),
            "TANDEM_DEBUG": "0",
        }
        env.pop("DATABASE_URL", None)
        if kind == "sqlite":
            yield env
            return
        name = f"tandem_load_{secrets.token_hex(6)}"
        _postgres(admin_url, f'CREATE DATABASE "{name}"')
        try:
            env["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + "/" + name
            yield env
        finally:
            _postgres(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_unreachable(admin_url: str = POSTGRES_ADMIN_URL) -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    try:
        _postgres(admin_url, "SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "skip PostgreSQL"
        return f"{type(error).__name__}: {error}".strip()
    return None


def _postgres(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def step(name: str, env: dict[str, str], *args: str) -> dict:
    """Run one Django-side step of this file in a child process; return its JSON."""
    done = subprocess.run(
        [sys.executable, __file__, name, *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"step {name} failed:\n{done.stderr[-4000:]}")
    if done.stderr:
        sys.stderr.write(done.stderr)
    return json.loads(done.stdout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(env: dict[str, str], *, workers: int = 2, threads: int = 4) -> Iterator[str]:
    """gunicorn (gthread) on a free loopback port; yields its base URL once /healthz answers."""
    port = free_port()
    log = Path(env["TANDEM_VAR_DIR"]) / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "tandem.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        "--worker-class=gthread",
        f"--workers={workers}",
        f"--threads={threads}",
        "--keep-alive=30",  # the load generator keeps its connections open
        "--log-level=warning",
    ]
    with open(log, "wb") as out:
        server = subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, server, log)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_healthy(base: str, server: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz in {seconds:.0f} s")


# --- Django side: run as child processes ----------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()


def prepare(history: int, seed: int) -> dict:
    """Migrate, load the demo region, generate `history` calls, make the dispatcher."""
    _django()
    from django.conf import settings
    from django.core.management import call_command

    from tandem.agencies.models import Jurisdiction
    from tandem.agencies.services import program_load
    from tandem.demo.history import history_generate
    from tandem.demo.users import LOGINS_FILE, demo_users_ensure
    from tandem.dispatch.intake import active_protocol
    from tandem.dispatch.triage_schema import QUESTIONS

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    program_load(path=REGION_FILE)
    migrated = time.perf_counter()
    summary = history_generate(months=12, seed=seed, calls=history) if history else {"calls": 0}
    generated = time.perf_counter()
    _settle()
    demo_users_ensure()
    logins = json.loads((Path(settings.VAR_DIR) / LOGINS_FILE).read_text())
    return {
        "history_calls": summary["calls"],
        "migrate_seconds": round(migrated - started, 1),
        "history_seconds": round(generated - migrated, 1),
        "settle_seconds": round(time.perf_counter() - generated, 1),
        "username": DISPATCHER,
        "password": logins[DISPATCHER],
        "call_types": sorted(active_protocol().call_types),
        "questions": sorted(QUESTIONS),
        "jurisdictions": [
            {"id": j.pk, "lat": j.latitude, "lon": j.longitude, "radius_km": j.radius_km}
            for j in Jurisdiction.objects.order_by("pk")
        ],
    }


def _settle() -> None:
    """After a bulk load, what a running PostgreSQL would have done by itself.

    Autovacuum (off on some servers) would have analysed the new rows, and checkpoints
    would have written them out; without this the first minute of load pays for both.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("CHECKPOINT")


def board(teams: int, calls: int, seed: int) -> dict:
    """Bring the board to `teams` teams and exactly `calls` pending calls.

    Calls left pending by the intake run are closed first. Teams are clinician-only or
    ride-along, staffed 24/7, covering one to three jurisdictions; calls go through the
    intake service as the dispatcher, so they are triaged like any other.
    """
    _django()
    import datetime as dt
    import random

    from django.db import transaction

    from tandem.accounts.models import User
    from tandem.agencies.models import (
        Agency,
        AgencyKind,
        Jurisdiction,
        ProgramModel,
        ScheduleKind,
        Shift,
        Team,
    )
    from tandem.dispatch.intake import CallIntake, active_protocol, call_intake
    from tandem.dispatch.models import Call, CallStatus

    rng = random.Random(seed)
    places = list(Jurisdiction.objects.order_by("pk"))
    clinical = Agency.objects.filter(kind=AgencyKind.BEHAVIORAL_HEALTH).order_by("pk").first()
    on_board = Team.objects.exclude(program_model=ProgramModel.NAVIGATOR)
    midnight = dt.time(0, 0)
    with transaction.atomic():
        closed = Call.objects.filter(status=CallStatus.PENDING).update(status=CallStatus.CLOSED)
        for n in range(max(0, teams - on_board.count())):
            home = rng.choice(places)
            ride_along = n % 2 == 0
            team = Team.objects.create(
                owning_agency_id=home.owning_agency_id if ride_along else clinical.pk,
                clinical_agency=clinical if ride_along else None,
                code=f"load-{n:04d}",
                call_sign=f"L-{n:04d}",
                name=f"Load-test team {n}",
                program_model=(
                    ProgramModel.RIDE_ALONG if ride_along else ProgramModel.CLINICIAN_ONLY
                ),
                base_latitude=home.latitude + rng.uniform(-0.02, 0.02),
                base_longitude=home.longitude + rng.uniform(-0.02, 0.02),
            )
            team.coverage.set([home, *rng.sample(places, rng.randint(0, 2))])
            Shift.objects.bulk_create(
                Shift(
                    owning_agency_id=team.owning_agency_id,
                    team=team,
                    weekday=day,
                    start=midnight,
                    end=midnight,
                    kind=ScheduleKind.STAFFED,
                )
                for day in range(7)
            )
    dispatcher = User.objects.get(username=DISPATCHER)
    call_types = sorted(active_protocol().call_types)
    for n in range(calls):
        home = rng.choice(places)
        call_intake(
            actor=dispatcher,
            intake=CallIntake(
                source="911",
                call_type=rng.choice(call_types),
                jurisdiction_id=home.pk,
                latitude=home.latitude + rng.uniform(-0.01, 0.01),
                longitude=home.longitude + rng.uniform(-0.01, 0.01),
                narrative=f"Board fixture call {n}.",
                priority=rng.randint(1, 5),
            ),
        )
    return {
        "teams": on_board.count(),
        "open_calls": Call.objects.filter(status=CallStatus.PENDING).count(),
        "closed_before": closed,
    }


def profile(what: str, requests: int, body_file: str | None) -> dict:
    """cProfile of `requests` intake POSTs or board GETs through the test client.

    Prints the top functions (cumulative and own time) and the slowest SQL to stderr.
    """
    _django()
    import cProfile
    import io
    import pstats
    from collections import Counter

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tandem.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")  # in the default ALLOWED_HOSTS
    client.force_login(User.objects.get(username=DISPATCHER))
    bodies = json.loads(Path(body_file).read_text()) if body_file else [{}]

    def one(i: int):
        if what == "intake":
            body = bodies[i % len(bodies)]
            return client.post("/api/calls", body, content_type="application/json")
        return client.get("/calls/board/", headers={"HX-Request": "true"})

    for i in range(5):  # warm caches and imports
        one(i)
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        profiler.enable()
        statuses = Counter(one(i).status_code for i in range(requests))
        profiler.disable()
        seconds = time.perf_counter() - started
    sql = Counter()
    sql_time: Counter = Counter()
    for q in queries.captured_queries:
        key = q["sql"][:160]
        sql[key] += 1
        sql_time[key] += float(q["time"])
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)
    out.write("\nSQL by total time (count, seconds, statement start):\n")
    for key, total in sql_time.most_common(12):
        out.write(f"{sql[key]:6d} {total:8.3f}  {key}\n")
    sys.stderr.write(out.getvalue())
    return {
        "what": what,
        "requests": requests,
        "statuses": dict(statuses),
        "ms_per_request": round(1000 * seconds / requests, 2),
        "queries_per_request": round(len(queries.captured_queries) / requests, 1),
        "sql_ms_per_request": round(1000 * sum(sql_time.values()) / requests, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    steps = parser.add_subparsers(dest="step")
    p = steps.add_parser("prepare")
    p.add_argument("--history", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    b = steps.add_parser("board")
    b.add_argument("--teams", type=int, default=200)
    b.add_argument("--calls", type=int, default=1000)
    b.add_argument("--seed", type=int, default=2)
    f = steps.add_parser("profile")
    f.add_argument("what", choices=["intake", "board"])
    f.add_argument("--requests", type=int, default=200)
    f.add_argument("--bodies", help="JSON file with a list of intake bodies")
    args = parser.parse_args()
    if args.step is None:
        # `make bench` runs every bench/*.py; this helper is run by dispatch_load.py.
        print("bench/_server.py: helper of bench/dispatch_load.py; nothing to do", file=sys.stderr)
        return
    if args.step == "prepare":
        result = prepare(args.history, args.seed)
    elif args.step == "board":
        result = board(args.teams, args.calls, args.seed)
    else:
        result = profile(args.what, args.requests, args.bodies)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
