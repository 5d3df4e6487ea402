"""Home, language switcher and the health check."""

from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from timebank.access import public
from timebank.database import transaction
from timebank.extensions import csrf, db
from timebank.main import bp
from timebank.models import Community
from timebank.security import is_safe_next
from timebank.services.auth import users as accounts


@bp.route("/")
@public
def index():
    communities = db.session.scalars(select(Community).order_by(Community.name).limit(2)).all()
    if len(communities) == 1:
        return redirect(url_for("community.home", slug=communities[0].slug))
    page = db.paginate(
        select(Community).order_by(Community.name),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    return render_template("main/index.html", page=page)


@bp.route("/language", methods=["POST"])
@public
def set_language():
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        return redirect(url_for("main.index"))
    session["lang"] = lang
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        transaction(lambda: accounts.set_locale(user, lang))
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("main.index"))


@bp.route("/healthz")
@csrf.exempt
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="reachable")
