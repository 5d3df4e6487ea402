"""The job tests' fake SMTP server: what it was given, and a switch to refuse."""

from __future__ import annotations

import smtplib

import pytest


class Server:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.refuse = False


@pytest.fixture
def smtp(monkeypatch) -> Server:
    server = Server()

    class FakeSMTP:
        def __init__(self, *args, **kwargs):
            if server.refuse:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, email):
            server.sent.append(str(email["Subject"]))

    monkeypatch.setattr("timebank.services.messaging.mail.smtplib.SMTP", FakeSMTP)
    return server
