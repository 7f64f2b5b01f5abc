"""The mailer against real local aiosmtpd servers: over implicit TLS (SMTPS, port 465's way: TLS
from the first byte) with a certificate made for the test, which is checked (trusted through
SMTP_CA_FILE it is used, otherwise the letter is refused); and what each answer of a mail
server means, worth trying again or for a person to act on."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.utils
import socket
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

import pytest
import trustme
from aiosmtpd.smtp import SMTP, AuthResult

from bot.config import ConfigError, load_settings
from bot.core.ports import DeliveryError
from bot.delivery.mail import Letter, Mailer
from bot.delivery.outbox import TRANSIENT
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
async def smtps_server(tmp_path: Path, name: str, **valid: datetime) -> AsyncIterator[Smtps]:
    """A server that speaks only TLS, with a certificate for `name` from a new authority
    (`valid`: its not_before and not_after, when not the usual)."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name, **valid).configure_cert(context)
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
    assert (refused.value.reason, refused.value.cause) == (
        "email_certificate",
        "SSLCertVerificationError",
    )
    # It will not mend itself: for an admin to fix, not tried again for hours.
    assert refused.value.reason not in TRANSIENT
    assert refused.value.detail == "group@example.org"
    assert smtps.inbox.messages == []


async def test_a_certificate_for_another_name_is_refused(sqlite_url, smtps_misnamed):
    server = smtps_misnamed
    with pytest.raises(DeliveryError) as refused:
        await mailer(sqlite_url, server, SMTP_CA_FILE=str(server.ca_file)).send(LETTER)
    assert (refused.value.reason, refused.value.cause) == (
        "email_certificate",
        "SSLCertVerificationError",
    )
    assert refused.value.reason not in TRANSIENT
    assert server.inbox.messages == []


async def test_an_expired_certificate_is_refused(sqlite_url, tmp_path):
    expired = {"not_before": datetime(2020, 1, 1, tzinfo=UTC),
               "not_after": datetime(2021, 1, 1, tzinfo=UTC)}  # fmt: skip
    async with smtps_server(tmp_path, "127.0.0.1", **expired) as server:
        with pytest.raises(DeliveryError) as refused:
            await mailer(sqlite_url, server, SMTP_CA_FILE=str(server.ca_file)).send(LETTER)
    assert refused.value.reason == "email_certificate"
    assert server.inbox.messages == []


async def test_a_self_signed_certificate_offered_by_starttls_is_refused(sqlite_url, tmp_path):
    """STARTTLS (port 587's way) fails the same way as implicit TLS."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    inbox = TlsInbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(inbox, tls_context=context, require_starttls=True), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    settings = make_settings(sqlite_url, SMTP_HOST="127.0.0.1", SMTP_PORT=port,
                             SMTP_FROM="brewbot@example.org", SMTP_STARTTLS=True)  # fmt: skip
    try:
        with pytest.raises(DeliveryError) as refused:
            await Mailer(settings).send(LETTER)
    finally:
        server.close()
        await server.wait_closed()
    assert refused.value.reason == "email_certificate"
    assert inbox.messages == []


def test_a_missing_ca_file_stops_start_up_naming_the_setting(tmp_path):
    with pytest.raises(ConfigError, match="SMTP_CA_FILE"):
        load_settings(_env_file=None, SMTP_CA_FILE=str(tmp_path / "nowhere.pem"))


# --- what a mail server's answers mean -------------------------------------------------------


@dataclass
class Answers:
    """A plain SMTP server's handler that gives the answers a test sets: to the sender, to
    each address (others are taken), to the letter; and what arrived, for whom, with the
    To line of each letter."""

    sender: str = "250 OK"
    addresses: dict[str, str] = field(default_factory=dict)
    letter: str = "250 OK"
    arrived: list[tuple[str, ...]] = field(default_factory=list)
    to_lines: list[str] = field(default_factory=list)

    async def handle_MAIL(self, server, session, envelope, address, options):
        if self.sender.startswith("250"):
            envelope.mail_from = address
        return self.sender

    async def handle_RCPT(self, server, session, envelope, address, options):
        answer = self.addresses.get(address, "250 OK")
        if answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return answer

    async def handle_DATA(self, server, session, envelope):
        if self.letter.startswith("250"):
            self.arrived.append(tuple(envelope.rcpt_tos))
            self.to_lines.append(email.message_from_bytes(envelope.content)["To"])
        return self.letter


def refuse_every_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    return AuthResult(success=False, handled=False)  # 535: credentials not accepted


@contextlib.asynccontextmanager
async def answering(answers: Answers, **options: object) -> AsyncIterator[int]:
    """A plain SMTP server (no TLS) answering as `answers` says; its port."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(answers, auth_require_tls=False, **options),  # type: ignore[arg-type]
        "127.0.0.1",
        0,
    )
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


def plain_mailer(sqlite_url: str, port: int, **extra: object) -> Mailer:
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_FROM": "brewbot@example.org",
                "SMTP_STARTTLS": False, **extra}  # fmt: skip
    return Mailer(make_settings(sqlite_url, **settings))


GONE, BUSY = "550 5.1.1 No such mailbox", "450 4.2.1 Mailbox busy, try later"


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        (Answers(addresses={"group@example.org": GONE}), "email_refused"),
        (Answers(sender="553 5.7.1 Sender address not allowed"), "email_sender"),
        (Answers(letter="554 5.7.1 Message refused as spam"), "email_rejected"),
        (Answers(addresses={"group@example.org": BUSY}), "email_failed"),
        (Answers(sender="451 4.3.0 Try again later"), "email_failed"),
        (Answers(letter="452 4.3.1 Insufficient storage"), "email_failed"),
    ],
    ids=["no such address", "sender", "letter", "busy", "sender later", "letter later"],
)
async def test_a_5xx_is_the_servers_last_word_and_a_4xx_is_tried_again(sqlite_url, answers, reason):
    async with answering(answers) as port:
        with pytest.raises(DeliveryError) as refused:
            await plain_mailer(sqlite_url, port).send(LETTER)
    assert refused.value.reason == reason
    assert (reason in TRANSIENT) == (reason == "email_failed")
    assert refused.value.detail == "group@example.org", "the addresses not reached"
    assert answers.arrived == []


async def test_a_login_the_server_does_not_accept_is_for_an_admin_to_fix(sqlite_url):
    answers = Answers()
    async with answering(answers, authenticator=refuse_every_login) as port:
        with pytest.raises(DeliveryError) as refused:
            mailer = plain_mailer(sqlite_url, port, SMTP_USERNAME="bot", SMTP_PASSWORD="wrong")
            await mailer.send(LETTER)
    assert refused.value.reason == "email_login" and refused.value.reason not in TRANSIENT
    assert answers.arrived == []


async def test_starttls_the_server_does_not_offer_is_for_an_admin_to_fix(sqlite_url):
    answers = Answers()
    async with answering(answers) as port:
        with pytest.raises(DeliveryError) as refused:
            await plain_mailer(sqlite_url, port, SMTP_STARTTLS=True).send(LETTER)
    assert refused.value.reason == "email_rejected"
    assert answers.arrived == []


async def test_a_mail_server_out_of_reach_is_tried_again(sqlite_url):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(DeliveryError) as refused:
        await plain_mailer(sqlite_url, port).send(LETTER)
    assert refused.value.reason == "email_failed" and refused.value.reason in TRANSIENT


async def test_a_letter_some_of_whose_addresses_are_refused_names_only_those(sqlite_url):
    answers = Answers(addresses={"gone@example.org": GONE})
    letter = replace(LETTER, to=("group@example.org", "gone@example.org", "chair@example.org"))
    async with answering(answers) as port:
        mailer = plain_mailer(sqlite_url, port)
        with pytest.raises(DeliveryError) as refused:
            await mailer.send(letter)
        # Tried again, it goes only to the address that has not had it.
        with pytest.raises(DeliveryError):
            await mailer.send(letter, ["gone@example.org"])
        await mailer.send(letter, [])  # nobody left to send it to: nothing is sent
    assert refused.value.reason == "email_refused"
    assert refused.value.detail == refused.value.left == "gone@example.org"
    assert answers.arrived == [("group@example.org", "chair@example.org")]
