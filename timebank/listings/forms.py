"""The listing form's choices that depend on the community and the owner (the form
itself, shared with the proxy pages, is ``timebank.forms.ListingForm``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from timebank.forms import ListingForm, options
from timebank.i18n import current_language
from timebank.models import Community, Listing, Membership
from timebank.services.community import profiles
from timebank.services.languages import in_readers_digits
from timebank.services.listings import neighbourhoods


def with_places(
    form: ListingForm,
    community: Community,
    *,
    owner: Membership | None,
    listing: Listing | None = None,
    fill: bool = False,
) -> ListingForm:
    """Offer the community's neighbourhoods in the reader's language, "not given", the
    listing's retired entry or own words if it has them. With ``fill`` (a GET), choose
    the listing's place, or for a new listing the owner's own neighbourhood, and show
    the listing's duration."""
    keep = listing.neighbourhood_id if listing is not None else None
    places = neighbourhoods.choices(community, current_language(), keep=keep)
    extra = []
    if listing is not None and listing.neighbourhood_id is None and listing.neighbourhood:
        form.words = listing.neighbourhood
        extra.append((form.KEEP_WORDS, listing.neighbourhood))
    form.neighbourhood_id.choices = options(
        [("", _l("Not given")), *((str(i), name) for i, name in places), *extra]
    )
    if not fill:
        return form
    if listing is not None:
        form.neighbourhood_id.data = (
            str(listing.neighbourhood_id) if listing.neighbourhood_id
            else form.KEEP_WORDS if listing.neighbourhood else ""
        )  # fmt: skip
        if listing.duration_minutes:
            hours, minutes = divmod(listing.duration_minutes, 60)
            form.hours.data = in_readers_digits(str(hours)) if hours else ""
            form.minutes.data = in_readers_digits(str(minutes)) if minutes else ""
        return form
    profile = profiles.profile_of(owner) if owner is not None else None
    own = neighbourhoods.get(community, profile.neighbourhood_id if profile else None)
    form.neighbourhood_id.data = str(own.id) if own is not None and own.active else ""
    return form
