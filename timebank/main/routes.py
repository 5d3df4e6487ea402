"""Home, language switcher and the source-code notice (the health checks are in ``ops``)."""

from functools import cache
from pathlib import Path

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from timebank import web
from timebank.access import public
from timebank.main import bp
from timebank.security import is_safe_next
from timebank.services.auth import users as accounts


@bp.route("/")
@public
def index() -> Response | str:
    only = accounts.only_community()
    if only is not None:
        return redirect(url_for("community.home", slug=only.slug))
    page = accounts.communities_page(
        page=web.page_number(), per_page=current_app.config["PER_PAGE"]
    )
    return render_template("main/index.html", page=page)


@bp.route("/language", methods=["POST"])
@public
def set_language() -> Response:
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        return redirect(url_for("main.index"))
    session["lang"] = lang
    if current_user.is_authenticated:
        web.run(lambda: accounts.set_locale(web.actor(), lang))
    target = request.form.get("next")
    return redirect(target if target and is_safe_next(target) else url_for("main.index"))


@bp.route("/source")
@public
def source() -> str:
    """The AGPL's offer to network users: the licence, and where the source code of the
    running version is (``SOURCE_URL``), linked from every page's footer."""
    return render_template("main/source.html", source_url=current_app.config["SOURCE_URL"])


@bp.route("/favicon.ico")
@public
def favicon() -> Response:
    """Browsers ask the site root for its icon, whatever the page says (a few KB, read
    once per process)."""
    return Response(_favicon(), mimetype="image/x-icon", headers={"Cache-Control": "max-age=86400"})


@cache
def _favicon() -> bytes:
    return (Path(__file__).parents[1] / "static" / "img" / "favicon.ico").read_bytes()
