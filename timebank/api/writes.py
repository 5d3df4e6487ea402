"""The one way an API write runs (the API's ``web.run``): the ``Idempotency-Key`` header
becomes the ledger's idempotency key (scoped to the caller), the service runs in
``database.transaction`` (commit, retries, mail after the commit), and the audit trail
records that it came through the token, by its name."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from timebank.api.tokens import caller, token
from timebank.database import transaction
from timebank.services import audit
from timebank.services.auth import api_replays
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


def _digest(value: bytes) -> str:
    return hashlib.sha256(value).hexdigest()


def write(
    operation: str,
    work: Callable[[str], Any],
    *,
    community_id: int | None,
    keyed: bool = True,
    extra: dict | None = None,
):
    key = idempotency_key() if keyed else ""

    def run():
        result = work(key)
        audit.record(
            "api.write", actor=caller(), community_id=community_id,
            obj=result if hasattr(result, "__tablename__") else None,
            details={"operation": operation, "token": token().name, "token_id": token().id,
                     **(extra or {})},
        )  # fmt: skip
        return result

    return transaction(run)


def create_once(operation: str, work: Callable[[], Any], *, community_id: int,
                load: Callable[[int], Any]):  # fmt: skip
    """A creation the ledger's keys do not cover (a listing, a member): the creation claims
    the key (``api_replays``) in its own transaction, so the same key replays the first
    result (``load`` of its id), even for two simultaneous requests; the same key with
    another body (or for another operation) is a 409 problem, as for exchanges."""
    key = _digest(idempotency_key().encode())
    body = _digest(request.get_data())
    found = api_replays.earlier(caller(), key)
    if found is None:
        try:
            return write(operation, lambda _key: _claimed(operation, work, community_id, key, body),
                         community_id=community_id, extra={"key": key, "body": body})  # fmt: skip
        except IntegrityError:
            found = api_replays.earlier(caller(), key)  # a simultaneous request claimed it
            if found is None:
                raise
    if found.operation != operation or found.body != body or found.object_id is None:
        raise InvalidInput(
            _l("This Idempotency-Key was used for another request. Use a new key."),
            field="idempotency_key",
        )
    return load(found.object_id)


def _claimed(operation: str, work: Callable[[], Any], community_id: int, key: str, body: str):
    claim = api_replays.claim(caller(), community_id, operation, key, body)
    result = work()
    claim.object_type, claim.object_id = result.__tablename__, result.id
    return result
