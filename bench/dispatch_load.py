"""Benchmark: call intake and board refresh on a real server with a year of history.

For each database (a fresh SQLite file, a fresh PostgreSQL database) it loads the demo
region and `--history` synthetic calls, starts gunicorn (gthread, 2 workers x 4
threads) on a free loopback port, logs in as the dispatcher and measures:

- intake: an open-loop stream of `POST /api/calls` (intake, triage, ranked teams) at
  `--rate` per second for `--seconds`, with varied bodies. Latency runs from each
  request's scheduled send time, so a stalled server is not hidden by a stalled
  client (no coordinated omission). The reference, `GET /healthz` (a bare Django JSON
  view), is sent at the same rate interleaved with it: half a period apart, same run.
- board: 200 teams and 1,000 pending calls, then `GET /calls/board/` as the htmx
  partial the board polls, sequentially after a warm-up, alternating with `/healthz`.

Any non-2xx answer is an error. Prints one JSON object; with `--profile`, a missed
target is followed by a cProfile of the view (stderr) so the JSON stays clean.

    .venv/bin/python bench/dispatch_load.py [--db sqlite|postgres|both] [--seconds 60]
        [--rate 50] [--history 1000000] [--profile]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import random
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _server  # noqa: E402 - a sibling helper, not a package

INTAKE_TARGET_P99_MS = 50
BOARD_TARGET_P95_MS = 100
BOARD_TEAMS = 200
BOARD_CALLS = 1000
BOARD_REQUESTS = 300
BOARD_WARMUP = 20
BOARD_SECONDS = 30  # a board slower than 150 ms gets fewer than BOARD_REQUESTS requests
CLIENT_THREADS = 64  # enough that a slow server, not the client, sets the queue
DRAIN_SECONDS = 60  # after the last send, how long answers may still come in
UNKNOWN_CALL_TYPES = ["PARK", "LOUD-MUSIC", "SUSP-VEH", "FRAUD", "ANIMAL", "XYZ-99"]
NARRATIVES = [
    "",
    "Caller says her brother is talking about killing himself, no weapons seen.",
    "Neighbour reports a man yelling in the street, appears confused.",
    "Mother worried, son has not taken his medication for a week and is not sleeping.",
    "Subject took a handful of pills about an hour ago, still conscious.",
    "Welfare check requested, elderly resident not answering the door for two days.",
    "Male with a knife threatening staff at the convenience store.",
    "Person sitting on the bridge railing, says they want to jump.",
    "Intoxicated female lying on the sidewalk near the bus stop.",
    "Ongoing dispute between roommates, no injuries reported.",
    "Caller hearing voices, asking for someone to talk to.",
    "Juvenile ran away from group home, has history of self harm.",
]
SOURCES = ["911"] * 8 + ["988", "cad_feed"]


@dataclass
class Shot:
    kind: str
    latency_ms: float
    status: int  # 0 when the request failed without an answer


# --- HTTP ---------------------------------------------------------------------------


class Session:
    """The dispatcher's logged-in browser session: cookies and the CSRF token."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.host, self.port = urllib.parse.urlsplit(base).netloc.split(":")
        self.cookies: dict[str, str] = {}
        conn = self.connection()
        self._send(conn, "GET", "/accounts/login/")
        form = urllib.parse.urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
            }
        )
        status = self._send(
            conn, "POST", "/accounts/login/", form, "application/x-www-form-urlencoded"
        )
        conn.close()
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed (HTTP {status})")

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, int(self.port), timeout=DRAIN_SECONDS)

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie, "X-CSRFToken": self.cookies.get("csrftoken", ""), **(extra or {})}

    def _send(self, conn, method: str, path: str, body: str = "", content_type: str = "") -> int:
        headers = self.headers({"Content-Type": content_type} if content_type else None)
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]


class Sender:
    """Sends requests over keep-alive connections, one per client thread."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.local = threading.local()

    def send(self, request: Request, started: float) -> Shot:
        """Send; the latency counts from `started` (the scheduled time, for open loops).

        A kept-alive connection the server has since closed is retried once on a new
        one, as an HTTP client library would; any other failure is status 0.
        """
        reused = getattr(self.local, "conn", None)
        status = self._exchange(reused or self.session.connection(), request)
        if status is None and reused is not None:
            status = self._exchange(self.session.connection(), request)
        return Shot(request.kind, (time.perf_counter() - started) * 1000, status or 0)

    def _exchange(self, conn: http.client.HTTPConnection, request: Request) -> int | None:
        self.local.conn = conn
        try:
            conn.request(request.method, request.path, body=request.body, headers=request.headers)
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            self.local.conn = None
            return None


def open_loop(sender: Sender, schedule: list[tuple[float, Request]]) -> list[Shot]:
    """Send each request at its offset (seconds from now) whatever came back before."""
    shots: list[Shot] = []
    lock = threading.Lock()

    def fire(request: Request, at: float) -> None:
        shot = sender.send(request, at)
        with lock:
            shots.append(shot)

    with ThreadPoolExecutor(max_workers=CLIENT_THREADS) as pool:
        start = time.perf_counter() + 0.1
        for offset, request in schedule:
            at = start + offset
            delay = at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(fire, request, at)
    return shots


def sequential(sender: Sender, requests: list[Request], seconds: float = math.inf) -> list[Shot]:
    """Send one after another; stop early once `seconds` have passed."""
    deadline = time.perf_counter() + seconds
    shots = []
    for request in requests:
        if time.perf_counter() > deadline:
            break
        shots.append(sender.send(request, time.perf_counter()))
    return shots


# --- workloads -----------------------------------------------------------------------


def intake_bodies(setup: dict, count: int, seed: int) -> list[dict]:
    """Varied intake bodies: known and unknown call types, answers, places, narratives."""
    rng = random.Random(seed)
    types = setup["call_types"] + UNKNOWN_CALL_TYPES
    run = f"{seed}-{int(time.time())}"
    bodies = []
    for i in range(count):
        place = rng.choice(setup["jurisdictions"])
        body: dict = {
            "source": rng.choice(SOURCES),
            "call_type": rng.choice(types),
            "priority": rng.randint(1, 5),
            "narrative": rng.choice(NARRATIVES),
            "answers": {
                q: rng.choice([True, False, None])
                for q in rng.sample(setup["questions"], rng.randint(0, len(setup["questions"])))
            },
        }
        where = rng.random()
        if where < 0.8:  # a point near a jurisdiction, with or without its id
            lat, lon = _near(rng, place)
            street = f"{rng.randint(1, 9999)} {rng.choice(['Main St', 'Oak Ave', 'Route 7'])}"
            body.update(latitude=lat, longitude=lon, location_text=street)
        if where < 0.55 or 0.8 <= where < 0.9:
            body["jurisdiction"] = place["id"]
        elif where >= 0.9:
            body["location_text"] = "Caller unsure of address"
        kind = rng.random()
        if kind < 0.7:
            body["incident_id"] = f"load-{run}-{i}"
        elif kind < 0.75 and i:  # a CAD re-sending an incident updates its call
            body["incident_id"] = f"load-{run}-{rng.randrange(i)}"
        bodies.append(body)
    return bodies


def _near(rng: random.Random, place: dict) -> tuple[float, float]:
    km = place["radius_km"] * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    lat = place["lat"] + km * math.cos(angle) / 111.0
    lon = place["lon"] + km * math.sin(angle) / (111.0 * math.cos(math.radians(place["lat"])))
    return round(lat, 6), round(lon, 6)


def intake_request(session: Session, body: dict) -> Request:
    headers = session.headers({"Content-Type": "application/json"})
    return Request("intake", "POST", "/api/calls", json.dumps(body).encode(), headers)


def healthz_request(session: Session) -> Request:
    return Request("healthz", "GET", "/healthz", None, session.headers())


def board_request(session: Session) -> Request:
    return Request("board", "GET", "/calls/board/", None, session.headers({"HX-Request": "true"}))


def summary(shots: list[Shot], seconds: float | None = None) -> dict:
    latencies = sorted(s.latency_ms for s in shots)
    statuses = Counter(s.status for s in shots)
    result = {
        "requests": len(shots),
        "p50_ms": _percentile(latencies, 50),
        "p95_ms": _percentile(latencies, 95),
        "p99_ms": _percentile(latencies, 99),
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "errors": sum(n for status, n in statuses.items() if not 200 <= status < 300),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }
    if seconds:
        result = {"requests": len(shots), "rate": round(len(shots) / seconds, 1), **result}
    return result


def _percentile(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return round(sorted_values[rank - 1], 1)


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 1) if a is not None and b else None


# --- one database ----------------------------------------------------------------------


def run_database(kind: str, args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    with _server.database(kind) as env:
        setup = _server.step("prepare", env, f"--history={args.history}", "--seed=1")
        with _server.serve(env) as base:
            session = Session(base, setup["username"], setup["password"])
            sender = Sender(session)
            result = {"history_calls": setup["history_calls"], "server": "gunicorn gthread 2x4"}
            result.update(measure_intake(env, session, sender, setup, args))
            fixtures = _server.step(
                "board", env, f"--teams={BOARD_TEAMS}", f"--calls={BOARD_CALLS}"
            )
            result["board"] = measure_board(env, session, sender, fixtures, args)
        result["setup_seconds"] = {
            "migrate_and_region": setup["migrate_seconds"],
            "history": setup["history_seconds"],
            "analyze_and_checkpoint": setup["settle_seconds"],
        }
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def measure_intake(env, session: Session, sender: Sender, setup: dict, args) -> dict:
    count = int(args.rate * args.seconds)
    bodies = intake_bodies(setup, count + BOARD_WARMUP, seed=args.seed)
    warm = [intake_request(session, b) for b in bodies[:BOARD_WARMUP]]
    sequential(sender, [r for w in warm for r in (w, healthz_request(session))])
    period = 1 / args.rate
    schedule = []
    for i, body in enumerate(bodies[BOARD_WARMUP:]):
        schedule.append((i * period, intake_request(session, body)))
        schedule.append(((i + 0.5) * period, healthz_request(session)))
    shots = open_loop(sender, schedule)
    intake = summary([s for s in shots if s.kind == "intake"], args.seconds)
    reference = summary([s for s in shots if s.kind == "healthz"], args.seconds)
    met = intake["p99_ms"] <= INTAKE_TARGET_P99_MS and intake["errors"] == 0
    if not met and args.profile:  # fresh bodies: re-sent incident ids would only update
        _profile(env, "intake", intake_bodies(setup, 200, seed=args.seed + 1))
    return {
        "intake": intake,
        "reference_healthz": reference,
        "ratio_p99": _ratio(intake["p99_ms"], reference["p99_ms"]),
        "target_p99_ms": INTAKE_TARGET_P99_MS,
        "met": met,
    }


def measure_board(env, session: Session, sender: Sender, fixtures: dict, args) -> dict:
    pair = (board_request(session), healthz_request(session))
    sequential(sender, list(pair) * BOARD_WARMUP)
    shots = sequential(sender, list(pair) * BOARD_REQUESTS, BOARD_SECONDS)
    board = summary([s for s in shots if s.kind == "board"])
    reference = summary([s for s in shots if s.kind == "healthz"])
    met = board["p95_ms"] <= BOARD_TARGET_P95_MS and board["errors"] == 0
    if not met and args.profile:
        _profile(env, "board", None)
    return {
        "teams": fixtures["teams"],
        "open_calls": fixtures["open_calls"],
        **board,
        "reference_p50_ms": reference["p50_ms"],
        "reference_p95_ms": reference["p95_ms"],
        "reference_p99_ms": reference["p99_ms"],
        "reference_errors": reference["errors"],
        "ratio_p95": _ratio(board["p95_ms"], reference["p95_ms"]),
        "target_p95_ms": BOARD_TARGET_P95_MS,
        "met": met,
    }


def _profile(env, what: str, bodies: list[dict] | None) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(bodies or [], file)
        file.flush()
        extra = [f"--bodies={file.name}"] if bodies else []
        requests = "--requests=200" if what == "intake" else "--requests=20"
        sys.stderr.write(f"\n== profile of {what} ({env.get('DATABASE_URL', 'sqlite')})\n")
        result = _server.step("profile", env, what, requests, *extra)
        sys.stderr.write(json.dumps(result) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile", action="store_true", help="cProfile a view that misses its target (stderr)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    results: dict = {
        "inputs": {
            "seconds": args.seconds,
            "rate": args.rate,
            "history": args.history,
            "intake_reference": "GET /healthz interleaved half a period apart, same run",
            "board": f"{BOARD_REQUESTS} sequential htmx GETs (at most {BOARD_SECONDS} s) "
            f"after {BOARD_WARMUP} warm-up, alternating with GET /healthz",
        }
    }
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        why_not = _server.postgres_unreachable() if kind == "postgres" else None
        results[kind] = {"skipped": why_not} if why_not else run_database(kind, args)
    results["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
