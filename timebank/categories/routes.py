"""Coordinators look after the category tree: add, rename, merge and retire."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from timebank import web
from timebank.access import community_required
from timebank.categories import bp
from timebank.categories.forms import CategoryForm, MergeForm, NewCategoryForm
from timebank.forms import ConfirmForm, options
from timebank.i18n import current_language
from timebank.models import Category, Community
from timebank.services.listings import categories


def _category(community: Community, category_id: int) -> Category:
    category = categories.get(community, category_id)
    if category is None:
        abort(404)
    return category


def _back(community: Community) -> Response:
    return redirect(url_for("categories.index", slug=community.slug))


def _new_form(community: Community) -> NewCategoryForm:
    form = NewCategoryForm()
    language = current_language()
    form.parent_id.choices = options(
        [("", _("Nothing: a top-level category"))]
        + [(c.id, c.display_name(language)) for c in categories.tree(community) if not c.parent_id]
    )
    return form


def _merge_form(community: Community, category: Category) -> MergeForm:
    """Any other active category can take the listings, but not the category's own
    sub-categories."""
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
    return form


def _index(community: Community, form: NewCategoryForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "categories/index.html",
        community=community,
        tree=categories.tree(community, include_retired=True),
        counts=categories.listing_counts(community),
        form=form,
    ), status


@bp.route("/")
@community_required("coordinator")
def index(community: Community) -> tuple[str, int]:
    return _index(community, _new_form(community))


@bp.route("/new", methods=["POST"])
@community_required("coordinator")
def create(community: Community) -> Response | tuple[str, int]:
    form = _new_form(community)
    if form.validate_on_submit() and web.run(
        lambda: categories.create(
            community,
            actor=web.actor(),
            name_en=form.name_en.data,
            name_ar=form.name_ar.data,
            parent_id=form.parent_id.data,
        ),
        form=form,
        success=_("The category is added."),
    ):
        return _back(community)
    return _index(community, form, 400)


@bp.route("/<int:category_id>/edit", methods=["GET", "POST"])
@community_required("coordinator")
def rename(community: Community, category_id: int) -> Response | str:
    category = _category(community, category_id)
    form = CategoryForm(obj=category)
    if form.validate_on_submit() and web.run(
        lambda: categories.rename(
            category, actor=web.actor(), name_en=form.name_en.data, name_ar=form.name_ar.data
        ),
        form=form,
        success=_("The category is renamed."),
    ):
        return _back(community)
    return render_template(
        "categories/rename.html", community=community, category=category, form=form
    )


@bp.route("/<int:category_id>/merge", methods=["GET", "POST"])
@community_required("coordinator")
def merge(community: Community, category_id: int) -> Response | str:
    category = _category(community, category_id)
    if category.is_retired:
        flash(_("This category is already retired."), "error")
        return _back(community)
    form = _merge_form(community, category)
    if form.validate_on_submit() and web.run(
        lambda: categories.merge_into(category, form.target_id.data, actor=web.actor()),
        form=form,
        success=_("The categories are merged."),
    ):
        return _back(community)
    return render_template(
        "categories/merge.html", community=community, category=category, form=form
    )


@bp.route("/<int:category_id>/retire", methods=["GET", "POST"])
@community_required("coordinator")
def retire(community: Community, category_id: int) -> Response | str:
    category = _category(community, category_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        return web.act(
            lambda: categories.retire(category, actor=web.actor()),
            _("The category is retired. Old listings keep it."),
            url_for("categories.index", slug=community.slug),
        )
    return render_template(
        "categories/retire.html", community=community, category=category, form=form
    )
