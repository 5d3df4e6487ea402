"""Settings. Every value can be overridden by a ``TIMEBANK_<NAME>`` environment variable
or by ``instance/config.py``; the secret key lives in ``instance/secret_key``."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT_CHARACTERS = 10


class Config:
    ENV = "development"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = 10_000

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("en", "ar")

    # Security baseline (DESIGN.md §8)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 500 * 1024
    MAX_FORM_PARTS = 1000
    WTF_CSRF_TIME_LIMIT = 3600 * 8
    PASSWORD_RESET_MAX_AGE = 3600
    LOGIN_LOCKOUT_THRESHOLD = 5
    LOGIN_LOCKOUT_MINUTES = 15
    LOGIN_RATE_LIMIT = "20 per minute"
    MESSAGE_RATE_LIMIT = "20 per hour"
    LISTING_RATE_LIMIT = "10 per hour"
    # Requests one API token may make (RateLimit-* headers on every API answer).
    API_RATE_LIMIT = "120 per minute;5000 per day"
    # Web origins whose pages may call the API from a browser (CORS), comma-separated
    # (https://kiosk.example.org), or "*" for any; empty: none (CORS off). Only /api/.
    API_CORS_ORIGINS = ""
    # Days an API Idempotency-Key is remembered (listings, members), then purged daily.
    API_IDEMPOTENCY_RETENTION_DAYS = 7
    # Two-factor sign-in: wrong codes allowed per person before 429, the days a device is
    # remembered (where the member's communities allow it), and whether installation
    # administrators must use it for the /admin/ pages.
    TWO_FACTOR_RATE_LIMIT = "10 per hour"
    TWO_FACTOR_REMEMBER_DAYS = 30
    TWO_FACTOR_REQUIRED_FOR_SITE_ADMINS = False
    # Companionship (issue 19): a recipient is "possibly isolated" when the gap since the
    # last visit exceeds the agreed interval (weekly 7 days, ...) by this many days (the care
    # dashboard and the metrics figure "Possibly isolated").
    COMPANIONSHIP_ISOLATION_MARGIN_DAYS = 3
    # How many days from its planned day a volunteer may move a visit (coordinators and the
    # visited member: up to four weeks).
    COMPANIONSHIP_VOLUNTEER_MOVE_DAYS = 2
    # Once the visit day and time are agreed, the volunteer keeps the day and may change the
    # time by at most this many hours (a coordinator changes the day; the other party is told).
    COMPANIONSHIP_VOLUNTEER_SHIFT_HOURS = 2
    RATELIMIT_STORAGE_URL = "memory://"
    RATELIMIT_ENABLED = True
    # Limited responses say how many requests remain; a 429 says when to retry (Retry-After).
    RATELIMIT_HEADERS_ENABLED = True
    # How many reverse proxies (nginx, a load balancer) stand in front of the application.
    # With 1, the client address is read from the last X-Forwarded-For entry, so rate limits
    # count each person rather than the proxy; with 0 the header is ignored (not spoofable).
    TRUSTED_PROXIES = 0
    # Redis down: keep counting in this process's memory rather than failing the request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Where computed metrics summaries are kept for every process and host: a Redis URL,
    # "database" (the metrics_summaries table), or unset: the rate limits' Redis when
    # RATELIMIT_STORAGE_URL names one, else the database.
    METRICS_CACHE_URL: str | None = None
    # How long each process keeps a reader's header counts (what waits for them); 0: read
    # them on every page. Their own actions show at once; others' within this many seconds.
    NAVIGATION_CACHE_SECONDS = 30

    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = True
    MAIL_SENDER = "timebank@localhost"
    # A message the SMTP server refuses (or that cannot reach it) is tried again after
    # MAIL_RETRY_SECONDS, then twice as long after each failure, MAIL_MAX_ATTEMPTS times in
    # all; then it is given up and listed as failed on the outbox page.
    MAIL_MAX_ATTEMPTS = 5
    MAIL_RETRY_SECONDS = 60
    # Webhooks: each delivery waits at most WEBHOOK_TIMEOUT_SECONDS for an answer; a failed
    # one is tried again after WEBHOOK_RETRY_SECONDS, doubling, WEBHOOK_MAX_ATTEMPTS times in
    # all. Endpoints must use https://, except http:// to this machine when allowed here.
    WEBHOOK_TIMEOUT_SECONDS = 5
    WEBHOOK_RETRY_SECONDS = 60
    WEBHOOK_MAX_ATTEMPTS = 6
    WEBHOOK_ALLOW_LOCAL_HTTP = False
    # Allow endpoints that are (or resolve to) private, loopback or link-local addresses
    # (development, tests); off, such endpoints are refused when added and when delivering.
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    # Background jobs (mail, digests, reminders, expiry): on this Redis, run by `timebank
    # jobs worker`; unset, they run inside the web process after the commit (embedded).
    JOBS_REDIS_URL: str | None = None
    JOBS_QUEUE = "timebank"
    # The address members reach the site at (https://timebank.example.org: a scheme and a
    # host, no path). Every absolute link (in e-mails, whether written while serving a page
    # or by a command-line job) starts with it, whatever Host header a request carried, and
    # the site answers only requests addressed to its host (TRUSTED_HOSTS is derived from it
    # and EXTRA_HOSTS). Required in production. Unset in development and tests: only
    # loopback names (localhost, 127.0.0.1) and EXTRA_HOSTS are answered, links name the
    # loopback address the page was requested at, and a command-line job's links stay
    # relative paths. `make run` sets it to http://HOST:PORT.
    PUBLIC_URL: str | None = None
    # Where the source code of the version running here can be had (the AGPL's offer to
    # network users). Every page's footer links to /source, which links here when set.
    SOURCE_URL: str | None = None
    # More host names the site answers to besides PUBLIC_URL's, comma-separated (a name a
    # health check or an internal proxy uses; ".example.org" means every subdomain). Links
    # never name them; any other Host gets a plain 400 page.
    EXTRA_HOSTS = ""

    PER_PAGE = 25

    # Operations (docs/operations.md). "json": every log line, and one line per request
    # (method, route, status, duration, request id, community, user id), as JSON.
    LOG_FORMAT = "text"
    # The Prometheus endpoint /metrics: off unless enabled, then only for a scraper that
    # sends "Authorization: Bearer <METRICS_TOKEN>" or comes from METRICS_ALLOWED_IPS
    # (comma-separated addresses or networks, such as 127.0.0.1,10.0.0.0/8).
    METRICS_ENABLED = False
    METRICS_TOKEN: str | None = None
    METRICS_ALLOWED_IPS = ""


class ProductionConfig(Config):
    ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    LOG_FORMAT = "json"


_BOOL = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}


def _coerce(raw: str, current: object) -> object:
    if isinstance(current, bool):
        return _BOOL.get(raw.strip().lower(), current)
    if isinstance(current, int):
        return int(raw)
    return raw


def apply_environment(settings: dict, environ: os._Environ | dict = os.environ) -> None:
    """Copy ``TIMEBANK_*`` variables over the settings (``TIMEBANK_DATABASE_URL`` is the
    database URI)."""
    for key, raw in environ.items():
        if not key.startswith("TIMEBANK_") or key == "TIMEBANK_ENV":
            continue
        name = key.removeprefix("TIMEBANK_")
        if name == "DATABASE_URL":
            name = "SQLALCHEMY_DATABASE_URI"
        settings[name] = _coerce(raw, settings.get(name))


def load_secret_key(instance_path: Path, production: bool) -> str:
    """Read the key from ``instance/secret_key``; create it (mode 0600) on first run.

    Production refuses to generate one silently, and refuses a short key."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    if production:
        raise RuntimeError(
            "No secret key: set TIMEBANK_SECRET_KEY or create instance/secret_key "
            f"(at least {MIN_SECRET_KEY_LENGTH} characters)."
        )
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker starting at the same moment wrote it first
        return _read_when_written(key_file)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _read_when_written(key_file: Path, attempts: int = 50) -> str:
    for _ in range(attempts):
        key = key_file.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    raise RuntimeError(f"{key_file} is empty; delete it to generate a new key.")


def check_secret_key(key: str | None) -> None:
    """Refuse a missing, short, well-known or repetitive key (``"x" * 64`` is long but
    guessable)."""
    weak = {"dev", "secret", "changeme", "change-me", "development"}
    if (
        not key
        or len(key) < MIN_SECRET_KEY_LENGTH
        or key.lower() in weak
        or len(set(key)) < MIN_SECRET_KEY_DISTINCT_CHARACTERS
    ):
        raise RuntimeError(
            f"Refusing to start: the secret key must be at least {MIN_SECRET_KEY_LENGTH} "
            "random characters."
        )


# Answered in development and tests, whatever PUBLIC_URL says (never in production).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


def public_origin(url: str | None, production: bool) -> str | None:
    """``PUBLIC_URL`` as an origin (``https://timebank.example.org``, no trailing slash).

    Refuses to start (``RuntimeError``) when production has none, or when it is not an
    http(s) origin (a path, a query or a user name in it); None in development when
    unset."""
    if not url:
        if production:
            raise RuntimeError(
                "Refusing to start: set TIMEBANK_PUBLIC_URL to the address members reach the "
                "site at (for example https://timebank.example.org). Links in e-mails are "
                "built from it, never from a request's Host header."
            )
        return None
    parts = urlsplit(url.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise RuntimeError(
            f"Refusing to start: TIMEBANK_PUBLIC_URL={url!r} is not an origin such as "
            "https://timebank.example.org (a scheme and a host, with no path)."
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise RuntimeError(f"Refusing to start: the port in TIMEBANK_PUBLIC_URL={url!r}.") from None
    return f"{parts.scheme}://{parts.netloc}".lower()


def trusted_hosts(origin: str | None, extra: str | Iterable[str], production: bool) -> list[str]:
    """The host names the site answers to (Flask's ``TRUSTED_HOSTS``): ``origin``'s, the
    ``extra`` ones (comma-separated text or a list), and loopback names outside
    production."""
    names = extra.split(",") if isinstance(extra, str) else list(extra)
    hosts = [urlsplit(origin).hostname or ""] if origin else []
    hosts += [name.strip().lower() for name in names]
    if not production:
        hosts += LOOPBACK_HOSTS
    return list(dict.fromkeys(host for host in hosts if host))
