"""The neighbourhoods of a community: a list coordinators keep, from which members pick
where they live (issue 16). Names in both languages; a retired one stays on the members
who chose it but is not offered for new choices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column

from timebank.models.base import Base, utcnow


class Neighbourhood(Base):
    __tablename__ = "neighbourhoods"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    name_en: Mapped[str] = mapped_column(String(80))
    name_ar: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("length(name_en) >= 1 AND length(name_ar) >= 1", name="names_present"),
    )

    def display_name(self, locale: str) -> str:
        """The name in the reader's language."""
        return self.name_ar if locale == "ar" else self.name_en
