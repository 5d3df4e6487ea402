"""A member's profile in one community, with what they choose to show other members.

Contact details (phone, e-mail, address) are hidden from other members unless the member
chooses to show them; coordinators always see them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from timebank.models.base import Base, utcnow

if TYPE_CHECKING:
    from timebank.models.community import Membership
    from timebank.models.neighbourhood import Neighbourhood

# The parts of a profile a member may show or hide, with their defaults.
PUBLIC_BY_DEFAULT = ("bio", "neighbourhood", "languages", "availability", "skills")
PRIVATE_BY_DEFAULT = ("phone", "email", "address")


class Profile(Base):
    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), unique=True)
    bio: Mapped[str | None] = mapped_column(Text)
    # Where the member lives, picked from the community's list; ``neighbourhood`` holds
    # only what a member typed under "other / not listed" (for coordinators to add).
    neighbourhood_id: Mapped[int | None] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="SET NULL"), index=True
    )
    neighbourhood: Mapped[str | None] = mapped_column(String(80))
    # Space-separated language codes, e.g. "ar en".
    languages: Mapped[str] = mapped_column(String(60), default="")
    availability: Mapped[str | None] = mapped_column(String(200))
    skills: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(200))
    show_bio: Mapped[bool] = mapped_column(default=True)
    show_neighbourhood: Mapped[bool] = mapped_column(default=True)
    show_languages: Mapped[bool] = mapped_column(default=True)
    show_availability: Mapped[bool] = mapped_column(default=True)
    show_skills: Mapped[bool] = mapped_column(default=True)
    show_phone: Mapped[bool] = mapped_column(default=False)
    show_email: Mapped[bool] = mapped_column(default=False)
    show_address: Mapped[bool] = mapped_column(default=False)
    # Normalised display name plus what the member shows: the directory's search index.
    search_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    membership: Mapped[Membership] = relationship()
    place: Mapped[Neighbourhood | None] = relationship()

    @property
    def language_codes(self) -> list[str]:
        return self.languages.split()
