"""The mailer over implicit TLS (SMTPS, port 465's way: TLS from the first byte), against a
real local aiosmtpd server with a certificate made for the test. The server's certificate is
checked: trusted through SMTP_CA_FILE it is used, otherwise the letter is refused."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.utils
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest
import trustme
from aiosmtpd.smtp import SMTP

from bot.config import ConfigError, load_settings
from bot.core.ports import DeliveryError
from bot.delivery.mail import Letter, Mailer
from tests.conftest import make_settings

LETTER = Letter(
    to=("group@example.org",),
    subject="Key findings: Being heard",
    text="What people said.",
    html="<p>What people said.</p>",
)


@dataclass
class TlsInbox:
    """What arrived, with the TLS version each letter was carried over."""

    messages: list[Message] = field(default_factory=list)
    tls: list[str | None] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        tls = server.transport.get_extra_info("ssl_object")
        self.tls.append(tls.version() if tls is not None else None)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@dataclass
class Smtps:
    port: int
    inbox: TlsInbox
    ca_file: Path  # the authority that signed the server's certificate


@contextlib.asynccontextmanager
async def smtps_server(tmp_path: Path, name: str) -> AsyncIterator[Smtps]:
    """A server that speaks only TLS, with a certificate for `name` from a new authority."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    inbox = TlsInbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(inbox), "127.0.0.1", 0, ssl=context)
    try:
        yield Smtps(server.sockets[0].getsockname()[1], inbox, ca_file)
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def smtps(tmp_path) -> AsyncIterator[Smtps]:
    async with smtps_server(tmp_path, "127.0.0.1") as server:
        yield server


@pytest.fixture
async def smtps_misnamed(tmp_path) -> AsyncIterator[Smtps]:
    async with smtps_server(tmp_path, "mail.example.org") as server:
        yield server


def mailer(sqlite_url: str, server: Smtps, **extra: object) -> Mailer:
    return Mailer(
        make_settings(
            sqlite_url,
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=server.port,
            SMTP_FROM="brewbot@example.org",
            SMTP_TLS=True,
            **extra,
        )
    )


async def test_a_letter_goes_over_implicit_tls_with_date_and_message_id(sqlite_url, smtps):
    await mailer(sqlite_url, smtps, SMTP_CA_FILE=str(smtps.ca_file)).send(LETTER)
    [message] = smtps.inbox.messages
    assert smtps.inbox.tls[0] in ("TLSv1.2", "TLSv1.3")
    assert message["To"] == "group@example.org"
    assert message["Subject"] == "Key findings: Being heard"
    assert email.utils.parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Message-ID"].endswith("@example.org>")


async def test_a_certificate_from_an_untrusted_authority_is_refused(sqlite_url, smtps):
    with pytest.raises(DeliveryError) as refused:
        await mailer(sqlite_url, smtps).send(LETTER)
    assert refused.value.reason == "email_failed"
    assert refused.value.detail == "SSLCertVerificationError"
    assert smtps.inbox.messages == []


async def test_a_certificate_for_another_name_is_refused(sqlite_url, smtps_misnamed):
    server = smtps_misnamed
    with pytest.raises(DeliveryError) as refused:
        await mailer(sqlite_url, server, SMTP_CA_FILE=str(server.ca_file)).send(LETTER)
    assert (refused.value.reason, refused.value.detail) == (
        "email_failed",
        "SSLCertVerificationError",
    )
    assert server.inbox.messages == []


def test_a_missing_ca_file_stops_start_up_naming_the_setting(tmp_path):
    with pytest.raises(ConfigError, match="SMTP_CA_FILE"):
        load_settings(_env_file=None, SMTP_CA_FILE=str(tmp_path / "nowhere.pem"))
