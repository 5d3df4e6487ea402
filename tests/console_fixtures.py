"""Objects the access walk needs for the console's URL arguments, made once per world."""

from __future__ import annotations

from tests.factories import World, make_member
from timebank.extensions import db
from timebank.models import Membership
from timebank.services.community import announcements, proxies, vetting


def step(world: World):
    if not hasattr(world, "_step"):
        world._step = vetting.add_step(
            world.community,
            actor=world.coordinator,
            name_en="Interview",
            name_ar="مقابلة",
            required=False,
        )
        db.session.commit()
    return world._step


def appointment(world: World):
    """``world.member`` acts for a member without e-mail."""
    if not hasattr(world, "_appointment"):
        offline = make_member(world.community, password=None)
        offline.user.email = None
        member = world.member_membership
        world._appointment = proxies.appoint(offline, member, actor=world.coordinator)
        db.session.commit()
    return world._appointment


def announcement(world: World):
    if not hasattr(world, "_announcement"):
        world._announcement = announcements.post(
            world.community, actor=world.coordinator, title="Picnic", body="Saturday at noon"
        )
        db.session.commit()
    return world._announcement


def proxied_conversation(world: World):
    """A conversation of the member ``world.member`` acts for, with the coordinator."""
    if not hasattr(world, "_proxied_conversation"):
        from tests.companion_factories import make_conversation, membership

        offline = db.session.get(Membership, appointment(world).member_id)
        coordinator = membership(world.coordinator, world.community)
        world._proxied_conversation = make_conversation(coordinator, offline)
    return world._proxied_conversation


def proxied_conversation_id(world: World) -> int:
    return proxied_conversation(world).id
