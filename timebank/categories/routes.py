"""Coordinators look after the category tree: add, rename, merge and retire."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from timebank.access import community_required
from timebank.categories import bp
from timebank.categories.forms import CategoryForm, MergeForm, NewCategoryForm
from timebank.database import transaction
from timebank.extensions import db
from timebank.forms import ConfirmForm, apply_domain_error, options
from timebank.i18n import current_language
from timebank.models import Category, Community, Listing
from timebank.services.exceptions import InvalidInput
from timebank.services.listings import categories


def _category(community: Community, category_id: int) -> Category:
    category = categories.get(community, category_id)
    if category is None:
        abort(404)
    return category


def _back(community: Community):
    return redirect(url_for("categories.index", slug=community.slug))


def _fail(form, error: InvalidInput) -> None:
    if not apply_domain_error(form, error):
        flash(error.message, "error")


def _new_form(community: Community) -> NewCategoryForm:
    form = NewCategoryForm()
    language = current_language()
    form.parent_id.choices = options(
        [("", _("Nothing: a top-level category"))]
        + [(c.id, c.display_name(language)) for c in categories.tree(community) if not c.parent_id]
    )
    return form


def _index(community: Community, form: NewCategoryForm, status: int = 200):
    counts = dict(
        db.session.execute(
            select(Listing.category_id, func.count())
            .where(Listing.community_id == community.id)
            .group_by(Listing.category_id)
        ).all()
    )
    return render_template(
        "categories/index.html",
        community=community,
        tree=categories.tree(community, include_retired=True),
        counts=counts,
        form=form,
    ), status


@bp.route("/")
@community_required("coordinator")
def index(community: Community):
    return _index(community, _new_form(community))


@bp.route("/new", methods=["POST"])
@community_required("coordinator")
def create(community: Community):
    form = _new_form(community)
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        try:
            transaction(
                lambda: categories.create(
                    community,
                    actor=actor,
                    name_en=form.name_en.data,
                    name_ar=form.name_ar.data,
                    parent_id=form.parent_id.data,
                )
            )
        except InvalidInput as error:
            _fail(form, error)
        else:
            flash(_("The category is added."), "success")
            return _back(community)
    return _index(community, form, 400)


@bp.route("/<int:category_id>/edit", methods=["GET", "POST"])
@community_required("coordinator")
def rename(community: Community, category_id: int):
    category = _category(community, category_id)
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        try:
            transaction(
                lambda: categories.rename(
                    category, actor=actor, name_en=form.name_en.data, name_ar=form.name_ar.data
                )
            )
        except InvalidInput as error:
            _fail(form, error)
        else:
            flash(_("The category is renamed."), "success")
            return _back(community)
    return render_template(
        "categories/rename.html", community=community, category=category, form=form
    )


@bp.route("/<int:category_id>/merge", methods=["GET", "POST"])
@community_required("coordinator")
def merge(community: Community, category_id: int):
    category = _category(community, category_id)
    if category.is_retired:
        flash(_("This category is already retired."), "error")
        return _back(community)
    form = MergeForm()
    language = current_language()
    form.target_id.choices = options(
        [("", _("Choose a category"))]
        + [
            (c.id, ("— " if c.parent_id else "") + c.display_name(language))
            for c in categories.tree(community)
            if c.id != category.id and c.parent_id != category.id
        ]
    )
    if form.validate_on_submit():
        target = categories.get(community, form.target_id.data)
        actor = current_user._get_current_object()
        try:
            if target is None:
                raise InvalidInput(_("Choose another active category."), field="target_id")
            transaction(lambda: categories.merge(category, target, actor=actor))
        except InvalidInput as error:
            _fail(form, error)
        else:
            flash(_("The categories are merged."), "success")
            return _back(community)
    return render_template(
        "categories/merge.html", community=community, category=category, form=form
    )


@bp.route("/<int:category_id>/retire", methods=["GET", "POST"])
@community_required("coordinator")
def retire(community: Community, category_id: int):
    category = _category(community, category_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        try:
            transaction(lambda: categories.retire(category, actor=actor))
        except InvalidInput as error:
            flash(error.message, "error")
        else:
            flash(_("The category is retired. Old listings keep it."), "success")
        return _back(community)
    return render_template(
        "categories/retire.html", community=community, category=category, form=form
    )
