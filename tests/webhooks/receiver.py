"""A webhook receiver for the tests: a local HTTP server in a thread that keeps what it
was sent and answers with the codes it is told to."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

from timebank.database import transaction
from timebank.extensions import db
from timebank.models import WebhookDelivery
from timebank.services.webhooks import endpoints
from timebank.services.webhooks.events import EVENTS


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)  # answers to give, in order; then 200


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length", 0))
            receiver.received.append(Received(dict(self.headers.items()), self.rfile.read(length)))
            code = receiver.codes.pop(0) if receiver.codes else 200
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server


def documented_verify():
    """The ``verify`` function of docs/api.md's "Webhooks" section, run as written."""
    text = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    section = text.split("## Webhooks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None, "docs/api.md has no Python recipe under Webhooks"
    namespace: dict = {}
    exec(code.group(1), namespace)  # noqa: S102 - our own documentation
    return namespace["verify"]


def add_endpoint(community, actor, url: str, events=None) -> tuple[int, str]:
    """Register an endpoint for ``events`` (all by default); its id and secret."""
    db.session.commit()
    added = transaction(
        lambda: endpoints.add(community, actor=actor, url=url, events=list(events or EVENTS))
    )
    return added.endpoint.id, added.secret


FIELDS = ("id", "endpoint_id", "community_id", "event", "status", "attempts", "response_code",
          "last_error", "next_attempt_at", "delivered_at")  # fmt: skip


def deliveries() -> list[SimpleNamespace]:
    """The deliveries' state now, read in a transaction that is over (so a job may write)."""
    db.session.expire_all()
    rows = db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id))
    state = [SimpleNamespace(**{name: getattr(row, name) for name in FIELDS}) for row in rows]
    db.session.commit()
    return state
