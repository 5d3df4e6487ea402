"""Configuration: the generated secret key, production's refusals, and overrides from
``instance/config.py`` and ``TIMEBANK_*`` environment variables."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from flask import Flask

from timebank import create_app
from timebank.config import MIN_SECRET_KEY_LENGTH

STRONG_KEY = "k3Jx9-vQ2mZ7rT4pW8yB1nC6hF0sD5gL-aE2uI7oY3"


@pytest.fixture
def instance(monkeypatch, tmp_path) -> Path:
    """A fresh ``instance/`` folder, and an environment with no ``TIMEBANK_*`` settings."""
    folder = tmp_path / "instance"
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(folder))
    for name in (
        "TIMEBANK_ENV",
        "TIMEBANK_SECRET_KEY",
        "TIMEBANK_DATABASE_URL",
        "TIMEBANK_PUBLIC_URL",
        "TIMEBANK_EXTRA_HOSTS",
    ):
        monkeypatch.delenv(name, raising=False)
    return folder


def _app(**config) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", **config})


def test_secret_key_is_generated_owner_only_and_reused(instance):
    """The first start writes a random key (mode 0600) to instance/; later starts reuse it."""
    first = _app()
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= MIN_SECRET_KEY_LENGTH
    assert _app().config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_default_database_is_the_sqlite_file_in_instance(instance):
    """Without settings, the database is ``instance/timebank.sqlite3``."""
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'timebank.sqlite3'}"


def test_production_refuses_a_missing_key(instance, monkeypatch):
    """Production never generates a key silently."""
    monkeypatch.setenv("TIMEBANK_ENV", "production")
    with pytest.raises(RuntimeError, match="secret key"):
        _app()
    assert not (instance / "secret_key").exists()


@pytest.mark.parametrize(
    "key", ["short", "changeme", "x" * 64, "abababababababababababababababababab", ""]
)
def test_production_refuses_a_weak_key_from_the_environment(instance, monkeypatch, key):
    """Production refuses a short, well-known or repetitive key."""
    monkeypatch.setenv("TIMEBANK_ENV", "production")
    monkeypatch.setenv("TIMEBANK_SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="(?i)secret key"):
        _app()


def test_production_refuses_a_weak_key_file(instance, monkeypatch):
    """A weak ``instance/secret_key`` is refused in production too."""
    instance.mkdir()
    (instance / "secret_key").write_text("dev\n")
    monkeypatch.setenv("TIMEBANK_ENV", "production")
    with pytest.raises(RuntimeError, match="secret key"):
        _app()


def test_production_starts_with_a_strong_key(instance, monkeypatch):
    """With a strong key production starts, with Secure cookies."""
    monkeypatch.setenv("TIMEBANK_ENV", "production")
    monkeypatch.setenv("TIMEBANK_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("TIMEBANK_PUBLIC_URL", "https://timebank.example.org")
    app = _app()
    assert app.config["SECRET_KEY"] == STRONG_KEY
    assert app.config["ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_environment_overrides_settings(instance, monkeypatch):
    """``TIMEBANK_*`` variables override defaults and instance/config.py, with types."""
    instance.mkdir()
    (instance / "config.py").write_text("PER_PAGE = 7\nMAIL_SENDER = 'bank@example.org'\n")
    monkeypatch.setenv("TIMEBANK_DATABASE_URL", "postgresql+psycopg://u@db.example/timebank")
    monkeypatch.setenv("TIMEBANK_PER_PAGE", "9")
    monkeypatch.setenv("TIMEBANK_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("TIMEBANK_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/3")
    app = create_app({"SECRET_KEY": STRONG_KEY})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/timebank"
    assert app.config["PER_PAGE"] == 9
    assert app.config["MAIL_SENDER"] == "bank@example.org"
    assert app.config["RATELIMIT_ENABLED"] is False
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_instance_config_file_is_read(instance):
    """``instance/config.py`` overrides the defaults."""
    instance.mkdir()
    (instance / "config.py").write_text("PER_PAGE = 7\n")
    assert _app().config["PER_PAGE"] == 7


def test_two_workers_starting_together_share_one_key(instance, monkeypatch):
    """If another process writes the key first, this one reads it instead of failing."""
    from timebank import config

    instance.mkdir()
    (instance / "secret_key").write_text("written-by-the-other-worker-" + STRONG_KEY)
    real_exists = Path.exists
    monkeypatch.setattr(
        Path, "exists", lambda self: False if self.name == "secret_key" else real_exists(self)
    )
    key = config.load_secret_key(instance, production=False)
    assert key == "written-by-the-other-worker-" + STRONG_KEY


def test_production_refuses_to_start_without_a_public_url(instance, monkeypatch):
    """Production names the missing setting, as it does for the secret key."""
    monkeypatch.setenv("TIMEBANK_ENV", "production")
    monkeypatch.setenv("TIMEBANK_SECRET_KEY", STRONG_KEY)
    with pytest.raises(RuntimeError, match="TIMEBANK_PUBLIC_URL"):
        _app()


@pytest.mark.parametrize(
    "url",
    [
        "timebank.example.org",
        "ftp://timebank.example.org",
        "https://timebank.example.org/timebank",
        "https://timebank.example.org/?next=x",
        "https://user@timebank.example.org",
        "https://timebank.example.org:port",
        "https://",
    ],
)
def test_a_public_url_that_is_not_an_origin_is_refused(instance, url):
    """Anywhere (development too), a public address with a path, a query, a user name or
    no host is refused at start rather than written into every link."""
    with pytest.raises(RuntimeError, match="TIMEBANK_PUBLIC_URL"):
        _app(PUBLIC_URL=url)


def test_trusted_hosts_come_from_the_public_url_and_the_extra_names(instance, monkeypatch):
    """Production answers the public host and ``TIMEBANK_EXTRA_HOSTS`` only; the link
    origin is normalised (lower case, no trailing slash)."""
    monkeypatch.setenv("TIMEBANK_ENV", "production")
    monkeypatch.setenv("TIMEBANK_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("TIMEBANK_PUBLIC_URL", "https://TimeBank.Example.org:8443/")
    monkeypatch.setenv("TIMEBANK_EXTRA_HOSTS", " internal.example , .example.net,,")
    app = _app()
    assert app.config["PUBLIC_URL"] == "https://timebank.example.org:8443"
    assert app.config["TRUSTED_HOSTS"] == ["timebank.example.org", "internal.example",
                                           ".example.net"]  # fmt: skip


def test_development_answers_loopback_names_and_links_to_the_public_url(instance):
    """Without ``PUBLIC_URL`` development answers only loopback names (and the extra
    ones); with it, the loopback names too, so ``make run`` works at either name."""
    assert _app().config["PUBLIC_URL"] is None
    assert _app().config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]
    app = _app(PUBLIC_URL="http://127.0.0.1:5000", EXTRA_HOSTS="laptop.lan")
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "laptop.lan", "localhost"]
