"""A small client of the Timebank API v1 (docs/api.md), with the standard library only:
record an exchange and read a statement. Run it against a server:

    TIMEBANK_URL=http://127.0.0.1:5000 TIMEBANK_TOKEN=tbk_… \\
        python examples/api_client.py old-town 12 7 90 transport

records that membership 12 gave membership 7 ninety minutes of transport yesterday, then
prints the caller's statement in that community."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import date, timedelta


class ApiError(Exception):
    """A problem-details answer (RFC 9457): ``status``, ``title``, ``detail``, ``errors``."""

    def __init__(self, status: int, problem: dict):
        super().__init__(f"{status} {problem.get('title', '')} {problem.get('detail', '')}")
        self.status = status
        self.problem = problem


class Client:
    def __init__(self, base_url: str, token: str, language: str = "en"):
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("The API's address starts with http:// or https://.")
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Language": language}

    def call(self, method: str, path: str, body: dict | None = None, **headers: str) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            self.base_url + path, data=data, method=method, headers={**self.headers, **headers}
        )
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise ApiError(error.code, json.loads(error.read() or b"{}")) from None

    def record_exchange(self, community: str, *, provider_id: int, recipient_id: int,
                        minutes: int, category: str, service_date: date | None = None,
                        key: str | None = None) -> dict:  # fmt: skip
        """Record an exchange. Keep ``key`` to retry safely: the same key never records
        twice."""
        body = {
            "provider_id": provider_id, "recipient_id": recipient_id, "minutes": minutes,
            "category": category,
            "service_date": (service_date or date.today() - timedelta(days=1)).isoformat(),
        }  # fmt: skip
        return self.call("POST", f"/api/v1/communities/{community}/exchanges", body,
                         **{"Idempotency-Key": key or f"client-{uuid.uuid4()}"})  # fmt: skip

    def statement(self, community: str, *, limit: int = 50) -> Iterator[dict]:
        """Every line of the caller's statement, newest first, following the cursor."""
        cursor = None
        while True:
            query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            page = self.call("GET", f"/api/v1/communities/{community}/statement{query}")
            yield from page["items"]
            cursor = page["next"]
            if cursor is None:
                return


def main(argv: list[str]) -> int:
    community, provider, recipient, minutes, category = argv
    client = Client(os.environ["TIMEBANK_URL"], os.environ["TIMEBANK_TOKEN"])
    try:
        exchange = client.record_exchange(
            community, provider_id=int(provider), recipient_id=int(recipient),
            minutes=int(minutes), category=category,
        )  # fmt: skip
    except ApiError as error:
        print(error, error.problem.get("errors", ""), file=sys.stderr)
        return 1
    print(f"exchange {exchange['id']}: {exchange['status']}, {exchange['hours']} h")
    for line in client.statement(community):
        print(line["service_date"], line["category"], line["delta_hours"], line["status"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
