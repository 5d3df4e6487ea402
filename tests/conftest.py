"""Fixtures in the Flask-tutorial style: ``app``, ``client``, ``runner`` and ``auth``.

Each test gets a fresh database: on SQLite a copy of a template file migrated once per
run, on a RAM disk when there is one; on PostgreSQL (``TIMEBANK_TEST_DATABASE_URL``) one
migrated database per worker, emptied after each test, whose commits do not wait for the
WAL flush. What makes the suite fast is described in the README (Tests, How long it takes)."""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import tempfile
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, MethodType, ModuleType

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_smorest import Api
from flask_smorest.spec import openapi_cli
from flask_sqlalchemy import SQLAlchemy
from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.utils import _PassArg
from werkzeug.routing import Rule

from timebank import create_app, database
from timebank.extensions import babel, db
from timebank.services.auth import passwords

TRANSLATIONS = Path(__file__).resolve().parent.parent / "timebank" / "translations"

PG_URL = os.environ.get("TIMEBANK_TEST_DATABASE_URL")
TEST_SECRET = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": TEST_SECRET,
    "RATELIMIT_ENABLED": False,
    "RATELIMIT_STORAGE_URL": "memory://",
    "SERVER_NAME": None,
}


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _pg_database_url() -> str:
    url = sa.engine.make_url(PG_URL)
    # One database per run and worker, so parallel runs on one server never collide.
    name = f"{url.database or 'timebank'}_{_worker()}_{os.getpid()}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        # A commit returns before its WAL record reaches the disk: the same isolation and
        # locking, without a disk flush per commit (a crash could lose the last commits of
        # a test database, nothing else).
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _migrate(uri: str, instance: Path) -> None:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri})
    app.instance_path = str(instance)
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


def compile_catalogues() -> None:
    """Compile every ``messages.po`` whose ``.mo`` is missing or older, as ``make
    translations`` does (``.mo`` files are build output, not committed)."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        partial = mo_path.with_name(f"messages.{os.getpid()}.mo.tmp")
        with partial.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=True)
        os.replace(partial, mo_path)  # atomic, so parallel workers never read half a file


# What a browser test (marked ``e2e``) takes, roughly, for dealing the long tests out.
E2E_SECONDS = 5


def pytest_collection_modifyitems(config, items) -> None:
    """The long tests start first, spread over the workers.

    ``--dist worksteal`` gives each worker an equal, contiguous share of the collection and
    lets an idle worker take the *end* of another's share. A long test at the end of a share
    started last and kept the run waiting. So the long tests (``slow(seconds=…)`` and the
    browser tests, a module at a time) are dealt to the shares, the longest first to the
    least loaded, and each share starts with its long tests; the other tests keep their
    order and fill the shares. Without workers the order is unchanged."""
    workers = getattr(config, "workerinput", {}).get("workercount", 1)
    if workers < 2 or len(items) < 2 * workers:
        return
    groups: dict[str, list] = {}
    weights: dict[str, float] = {}
    rest = []
    for item in items:
        slow = item.get_closest_marker("slow")
        if slow is not None:
            key, weight = item.nodeid, float(slow.kwargs.get("seconds", 60))
        elif item.get_closest_marker("e2e") is not None:
            key, weight = item.nodeid.split("::")[0], E2E_SECONDS
        else:
            rest.append(item)
            continue
        groups.setdefault(key, []).append(item)
        weights[key] = weights.get(key, 0) + weight
    shares: list[list[str]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for key in sorted(groups, key=lambda k: -weights[k]):
        least = loads.index(min(loads))
        shares[least].append(key)
        loads[least] += weights[key]
    ordered = []
    for number, keys in enumerate(shares):
        # a module's tests side by side, so its module fixtures are made once
        long = [item for key in sorted(keys) for item in groups[key]]
        size = (len(items) - len(ordered)) // (workers - number)  # as worksteal splits
        fill = max(0, size - len(long))
        ordered += long + rest[:fill]
        del rest[:fill]
    assert len(ordered) + len(rest) == len(items)
    items[:] = ordered + rest


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    compile_catalogues()


EXTRACTION_KEYWORDS = {
    "_": None,
    "_l": None,
    "lazy_gettext": None,
    "gettext": None,
    "ngettext": (1, 2),
}
PSEUDO_MARK = "[ar]"


def extract_messages() -> dict[str, str]:
    """Every message the code and templates mark for translation (Babel's extraction with
    the repository's ``babel.cfg``), with where it was found."""
    root = TRANSLATIONS.parent.parent
    with (root / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        root, method_map, options_map, keywords=EXTRACTION_KEYWORDS
    ):
        singular = message[0] if isinstance(message, tuple) else message
        found.setdefault(singular, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="session")
def pseudo_arabic(tmp_path_factory) -> str:
    """A translations folder whose Arabic catalogue marks every message with ``[ar]``, so
    a test can see which text on a page went through the catalogue and which did not.
    Use it as ``BABEL_TRANSLATION_DIRECTORIES``."""
    folder = tmp_path_factory.mktemp("pseudo-translations")
    catalog = Catalog(locale="ar")
    for msgid in extract_messages():
        catalog.add(msgid, f"{PSEUDO_MARK} {msgid}")
    target = folder / "ar" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return str(folder)


@pytest.fixture
def fresh_translations():
    """Flask-Babel caches catalogues per process, not per app: start and end empty."""

    def clear():
        domain = vars(babel).get("domain_instance")  # a cached_property, once used
        if domain is not None:
            domain.cache.clear()

    clear()
    yield
    clear()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Still argon2id, but with minimal cost: the suite hashes hundreds of passwords."""
    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield original
    passwords._hasher = original


@pytest.fixture(scope="session", autouse=True)
def url_builders_made_once():
    """Every test makes an application, and most of ``create_app``'s time was Werkzeug
    writing and compiling Python code for each of its ~400 URL rules (twice). The code
    depends only on the rule, so it is made once per run and shared by the apps."""
    original = Rule._compile_builder
    made: dict[tuple, object] = {}

    def compile_builder(self, append_unknown: bool = True):
        key = (
            self.rule,
            self.merge_slashes,
            self.map.host_matching,
            self.host if self.map.host_matching else self.subdomain,
            tuple(self._trace),
            tuple((k, repr(v)) for k, v in (self.defaults or {}).items()),
            tuple((k, type(c).__name__, c.regex) for k, c in self._converters.items()),
            append_unknown,
        )
        builder = made.get(key)
        if builder is None:
            builder = made[key] = original(self, append_unknown)
        return builder

    Rule._compile_builder = compile_builder
    yield
    Rule._compile_builder = original


@pytest.fixture(scope="session", autouse=True)
def api_document_made_once():
    """flask-smorest writes the OpenAPI document of every API route (marshmallow schemas
    turned into JSON Schema, deep copies of each route's documentation) when an app is made:
    about 20 ms of every test's ``create_app``. The document depends only on the routes and
    the ``API_*``/``OPENAPI_*`` settings, so the first app with those settings makes it and
    later ones share it, as the requests of one production app do. Each app still registers
    the blueprints, its own documentation routes and the ``openapi`` commands."""
    init_spec, register_blueprint = Api._init_spec, Api.register_blueprint
    made: dict[str, tuple] = {}  # settings → (spec, flask plugin, marshmallow plugin, names)

    def settings_of(api: Api, kwargs: dict) -> str:
        config = api._app.config
        names = sorted(k for k in config if k.startswith(("API_", "OPENAPI_")))
        return repr((type(api), kwargs, [(k, config[k]) for k in names]))

    def shared_init_spec(self, **kwargs):
        key = self._timebank_document = settings_of(self, kwargs)
        if key in made:
            self.spec, self.flask_plugin, self.ma_plugin, _ = made[key]
            self._app.cli.add_command(openapi_cli)
        else:
            init_spec(self, **kwargs)
            made[key] = (self.spec, self.flask_plugin, self.ma_plugin, set())

    def shared_register_blueprint(self, blp, *, parameters=None, **options):
        spec, _flask, _marshmallow, documented = made[self._timebank_document]
        name = options.get("name", blp.name)
        if self.spec is not spec or name not in documented:
            register_blueprint(self, blp, parameters=parameters, **options)
            documented.add(name)
            return
        # flask-smorest's own steps, less the documentation already in the shared spec
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)

    Api._init_spec = shared_init_spec
    Api.register_blueprint = shared_register_blueprint
    yield
    Api._init_spec, Api.register_blueprint = init_spec, register_blueprint


class _SharedTemplateCode(BytecodeCache):
    """Jinja's compiled template code, kept in memory for every application of the run.

    Each test's application has its own Jinja environment, and each environment used to
    lex, parse, generate and ``compile()`` every template it rendered: 30–50 ms a template,
    most of a page test's time. The code depends only on the template's source (Jinja's
    checksum) and the environment's compiling settings (extensions, lexer strings,
    autoescape, finalize, the filters' and tests' calling conventions, old- or new-style
    gettext), so those are the key; each environment still makes its own template objects
    with its own globals from that code."""

    def __init__(self) -> None:
        self.code: dict[tuple, object] = {}

    @staticmethod
    def _settings(env: Environment) -> tuple:
        def passes(functions: dict) -> tuple:
            return tuple(sorted((k, repr(_PassArg.from_obj(f))) for k, f in functions.items()))

        autoescape = getattr(env.autoescape, "__func__", env.autoescape)
        finalize = getattr(env.finalize, "__func__", env.finalize)
        return (
            type(env), env.code_generator_class, tuple(sorted(env.extensions)),
            env.block_start_string, env.block_end_string, env.variable_start_string,
            env.variable_end_string, env.comment_start_string, env.comment_end_string,
            env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks,
            env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline,
            env.optimized, env.is_async, autoescape, finalize,
            getattr(env, "newstyle_gettext", None), passes(env.filters), passes(env.tests),
        )  # fmt: skip

    def load_bytecode(self, bucket: Bucket) -> None:
        key = (self._settings(bucket.environment), bucket.key, bucket.checksum)
        bucket.code = self.code.get(key)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[(self._settings(bucket.environment), bucket.key, bucket.checksum)] = bucket.code


@pytest.fixture(scope="session", autouse=True)
def templates_compiled_once():
    """Every test's application shares the compiled code of its templates
    (``_SharedTemplateCode``): each template is compiled once per worker, not per test."""
    original = Flask.create_jinja_environment
    shared = _SharedTemplateCode()

    def create_jinja_environment(self):
        environment = original(self)
        if environment.bytecode_cache is None:
            environment.bytecode_cache = shared
        return environment

    Flask.create_jinja_environment = create_jinja_environment
    yield
    Flask.create_jinja_environment = original


class _SharedStatements:
    """SQLAlchemy's cache of compiled SQL statements, shared by every engine of the run.

    Each test's application makes its own engine, and SQLAlchemy keys a compiled statement
    by the engine's dialect object: every test compiled each of its statements again
    (about a third of the statements a test runs, ~1 ms each). Here the dialect in the
    key stands for its settings instead (class, server version, parameter style, its
    other plain settings and the functions it was given), so engines of the same database
    kind share one compiled statement, as one long-lived engine does in production."""

    def __init__(self, size: int = 5000) -> None:
        self.compiled = sa.util.LRUCache(size)

    @staticmethod
    def settings(dialect) -> tuple:
        known = dialect.__dict__.get("_timebank_settings")
        if known is None:
            found = []
            for name, value in sorted(vars(dialect).items()):
                if value is None or isinstance(value, (bool, int, float, str, bytes)):
                    found.append((name, value))
                elif isinstance(value, (tuple, frozenset)):
                    found.append((name, repr(value)))
                elif isinstance(value, (type, ModuleType, FunctionType, BuiltinFunctionType)):
                    found.append((name, value))
                elif isinstance(value, MethodType):
                    found.append((name, value.__func__))
                else:
                    found.append((name, type(value)))
            known = dialect.__dict__["_timebank_settings"] = (type(dialect), tuple(found))
        return known

    def _key(self, key: tuple) -> tuple:
        return (self.settings(key[0]), *key[1:])

    def get(self, key: tuple, default=None):
        return self.compiled.get(self._key(key), default)

    def __setitem__(self, key: tuple, value) -> None:
        self.compiled[self._key(key)] = value

    def __getitem__(self, key: tuple):
        return self.compiled[self._key(key)]

    def __contains__(self, key: tuple) -> bool:
        return self._key(key) in self.compiled

    def __len__(self) -> int:
        return len(self.compiled)

    def clear(self) -> None:
        self.compiled.clear()


@pytest.fixture(scope="session", autouse=True)
def statements_compiled_once():
    """Engines share compiled statements (``_SharedStatements``): the engines' own cache
    and the mappers' cache of their INSERT and UPDATE statements."""
    original = SQLAlchemy._make_engine
    shared = _SharedStatements()

    def make_engine(self, bind_key, options, app):
        engine = original(self, bind_key, options, app)
        if engine._compiled_cache is not None:
            engine._compiled_cache = shared
        return engine

    SQLAlchemy._make_engine = make_engine
    sa.orm.configure_mappers()
    for mapper in db.Model.registry.mappers:
        mapper.__dict__["_compiled_cache"] = _SharedStatements(500)
    yield
    SQLAlchemy._make_engine = original


# SQLite files on a RAM disk when there is one: with ``synchronous=FULL`` (kept, as in
# production) every commit waits for the disk, and the suite commits tens of thousands of
# times. Tests that need a disk file make their own.
_RAM_DISK = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> str:
    """Migrated once per test run (and per xdist worker)."""
    base = tmp_path_factory.mktemp("db")
    files = Path(tempfile.mkdtemp(prefix="timebank-test-", dir=_RAM_DISK))
    uri = _pg_database_url() if PG_URL else f"sqlite:///{files / 'template.sqlite3'}"
    _migrate(uri, base)
    yield uri
    shutil.rmtree(files, ignore_errors=True)
    if PG_URL:
        if uri in _cleaners:
            _cleaners.pop(uri).dispose()
        url = sa.engine.make_url(uri)
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


# Emptying every table with one statement sent once: DELETE (a few rows each) is much
# cheaper than TRUNCATE, which makes new files for ~50 tables and their indexes every
# test; replica mode skips the append-only and foreign-key triggers for this clean-up
# only; sequences that were used start again at 1, as TRUNCATE … RESTART IDENTITY did.
_EMPTY_POSTGRES = """
DO $$
DECLARE r record;
BEGIN
    SET LOCAL session_replication_role = replica;
    FOR r IN SELECT tablename FROM pg_tables
             WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
        EXECUTE format('DELETE FROM public.%I', r.tablename);
    END LOOP;
    FOR r IN SELECT sequencename FROM pg_sequences
             WHERE schemaname = 'public' AND last_value IS NOT NULL LOOP
        PERFORM setval(format('public.%I', r.sequencename), 1, false);
    END LOOP;
END $$
"""
_cleaners: dict[str, sa.Engine] = {}


def _empty_postgres(uri: str) -> None:
    engine = _cleaners.get(uri)
    if engine is None:
        engine = _cleaners[uri] = sa.create_engine(uri, poolclass=sa.pool.StaticPool)
    with engine.begin() as conn:
        conn.execute(sa.text(_EMPTY_POSTGRES))


@pytest.fixture
def database_uri(database_template) -> str:
    if PG_URL:
        yield database_template
        _empty_postgres(database_template)
    else:
        source = Path(database_template.removeprefix("sqlite:///"))
        folder = Path(tempfile.mkdtemp(dir=source.parent))
        target = folder / "timebank.sqlite3"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app_config() -> dict:
    """Override in a module to change settings for its tests."""
    return {}


class IsolatedClient(FlaskClient):
    """Each request runs in its own application context, as in production.

    The test's own context (and its database session) stays open for assertions; its
    transaction is committed before and after every request, so the request sees the test's
    data, the test sees the request's, and no SQLite lock is held across them."""

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.commit()
        return response


@pytest.fixture(autouse=True)
def transactions_begin_as_services_do():
    """Each test starts with the default transaction kind (a writer's BEGIN IMMEDIATE on
    SQLite): a request's hooks run outside ``IsolatedClient`` (``preprocess_request`` in
    a test's own context) would otherwise leave ``read_only`` set for the next test."""
    token = database.read_only.set(False)
    yield
    database.read_only.reset(token)


@pytest.fixture
def app(database_uri, app_config, tmp_path):
    application = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_uri, **app_config})
    application.instance_path = str(tmp_path)
    application.test_client_class = IsolatedClient
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_TOKEN_RE = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


def csrf_token_from(html: str) -> str:
    match = _TOKEN_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class Browser:
    """Submits forms the way a person does: load a page, take its CSRF token, post."""

    def __init__(self, client):
        self.client = client

    def token(self, page: str = "/auth/login") -> str:
        response = self.client.get(page)
        return csrf_token_from(response.get_data(as_text=True))

    def post(self, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
        payload = {"csrf_token": self.token(page or "/auth/login"), **(data or {})}
        return self.client.post(url, data=payload, **kwargs)

    def login(self, email: str, password: str, **kwargs):
        return self.post("/auth/login", {"email": email, "password": password}, **kwargs)

    def logout(self):
        return self.post("/auth/logout")


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def auth(browser) -> Browser:
    """The tutorial's ``auth`` helper: logs in through the real form."""
    return browser
