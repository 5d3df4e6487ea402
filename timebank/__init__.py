"""Timebank: a bilingual platform for community time banks."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

_frozen = False  # the first app's objects moved out of the collector's sight (gc.freeze)


def create_app(config: dict | None = None) -> Flask:
    """Application factory: configuration, extensions, blueprints, CLI and error pages."""
    with _collector_paused():
        app = Flask(__name__, instance_relative_config=True)
        _configure(app, config or {})
        _init_extensions(app)
        _register_blueprints(app)
    return app


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The first app imports the models, services and routes: a few hundred thousand objects
    that live as long as the process, and next to no garbage. The cyclic collector would
    walk them some 300 times while they are made and again at every full collection after:
    it pauses while they are made, and once per process they are moved out of its sight
    (``gc.freeze``). About a third of the command line's start. Whether that was done is
    a flag: ``gc.get_freeze_count()`` walks every frozen object (~20 ms a call)."""
    global _frozen
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not _frozen:
            gc.freeze()
            _frozen = True
        if was_enabled:
            gc.enable()


def _configure(app: Flask, overrides: dict) -> None:
    """Settings from the classes in ``config``, ``instance/config.py``, ``TIMEBANK_*``
    variables and ``overrides``; the secret key and the SQLite file in ``instance/``."""
    from timebank import config as settings

    production = os.environ.get("TIMEBANK_ENV", "").lower() == "production"
    app.config.from_object(settings.ProductionConfig if production else settings.Config)
    app.config.from_pyfile("config.py", silent=True)
    settings.apply_environment(app.config)
    app.config.update(overrides)

    instance = Path(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.load_secret_key(instance, production)
    if production:
        settings.check_secret_key(app.config["SECRET_KEY"])
    # Links name one trusted origin; a request for another host is a 400 (errors.py).
    app.config["PUBLIC_URL"] = settings.public_origin(app.config.get("PUBLIC_URL"), production)
    app.config["TRUSTED_HOSTS"] = settings.trusted_hosts(
        app.config["PUBLIC_URL"], app.config.get("EXTRA_HOSTS", ""), production
    )
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'timebank.sqlite3'}"
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["RATELIMIT_STORAGE_URL"])
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URL"]
    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _init_extensions(app: Flask) -> None:
    """The database (with SQLite's pragmas), migrations, CSRF, rate limits, languages,
    sessions, error pages, the web helper's hooks and the commands."""
    from timebank import cli, database, errors, i18n, security, web
    from timebank.extensions import babel, csrf, db, limiter, login_manager, migrate
    from timebank.jobs import runner as jobs_runner
    from timebank.models.search_index import include_name
    from timebank.ops import observability

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            database.configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app, babel)
    security.init_app(app, login_manager)
    errors.init_app(app)
    web.init_app(app)
    observability.init_app(app)
    cli.init_app(app)
    jobs_runner.init_app(app)


def _register_blueprints(app: Flask) -> None:
    """One blueprint per area (docs/architecture.md)."""
    from timebank import identity, navigation
    from timebank.account import bp as account_bp
    from timebank.admin import bp as admin_bp
    from timebank.auth import bp as auth_bp
    from timebank.categories import bp as categories_bp
    from timebank.codesign import bp as codesign_bp
    from timebank.community import bp as community_bp
    from timebank.companionship import bp as companionship_bp
    from timebank.companionship import safeguarding_bp
    from timebank.console import bp as console_bp
    from timebank.conversations import bp as conversations_bp
    from timebank.exchanges import bp as exchanges_bp
    from timebank.listings import bp as listings_bp
    from timebank.main import bp as main_bp
    from timebank.metrics import bp as metrics_bp
    from timebank.notifications import bp as notifications_bp
    from timebank.notifications import routes as notification_routes
    from timebank.ops import bp as ops_bp
    from timebank.profiles import bp as profiles_bp
    from timebank.proxy import bp as proxy_bp

    for blueprint in (
        main_bp, auth_bp, account_bp, admin_bp, community_bp, exchanges_bp, metrics_bp,
        listings_bp, profiles_bp, categories_bp, companionship_bp, safeguarding_bp, console_bp,
        proxy_bp, notifications_bp, conversations_bp, ops_bp, codesign_bp,
    ):  # fmt: skip
        app.register_blueprint(blueprint)
    notification_routes.init_app(app)
    navigation.init_app(app)
    identity.init_app(app)
    from timebank.api import openapi

    openapi.init_app(app)
