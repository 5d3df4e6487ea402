"""Extensions, created once and bound to the app in ``create_app``."""

from flask import has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from timebank.models.base import Base

MAX_PAGE = 100_000


class Database(SQLAlchemy):
    """``db.paginate`` that clamps ``?page=`` to a number the database can take: a huge
    page number shows an empty page instead of an overflow error (a 500)."""

    def paginate(self, select, *, page=None, **kwargs):
        if page is None and has_request_context():
            try:
                page = int(request.args.get("page", 1))
            except (TypeError, ValueError):
                page = 1
        if page is not None:
            page = min(max(page, 1), MAX_PAGE)
        return super().paginate(select, page=page, **kwargs)


db = Database(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
