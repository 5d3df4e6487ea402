"""The one way an API write runs (the API's ``web.run``): the ``Idempotency-Key`` header
becomes the ledger's idempotency key (scoped to the caller), the service runs in
``database.transaction`` (commit, retries, mail after the commit), and the audit trail
records that it came through the token, by its name."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l

from timebank.api.tokens import caller, token
from timebank.database import transaction
from timebank.services import audit
from timebank.services.exceptions import InvalidInput

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,60}$")


def idempotency_key() -> str:
    """The caller's key, scoped to them, or a 400 problem when it is missing or unusable."""
    key = request.headers.get(HEADER, "")
    if not _KEY.fullmatch(key):
        raise InvalidInput(
            _l("Send an Idempotency-Key header: 8 to 60 letters, digits, dots, colons, dashes "
               "or underscores, new for each new request."),
            field=HEADER,
        )  # fmt: skip
    return f"api:{caller().id}:{key}"


def write(operation: str, work: Callable[[str], Any], *, community_id: int, keyed: bool = True):
    key = idempotency_key() if keyed else ""

    def run():
        result = work(key)
        audit.record(
            "api.write", actor=caller(), community_id=community_id, obj=result,
            details={"operation": operation, "token": token().name, "token_id": token().id},
        )  # fmt: skip
        return result

    return transaction(run)
