"""Sends the digest by e-mail, for working-group members who never open Discord or Slack."""

from __future__ import annotations

import html
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, replace
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import aiosmtplib

from bot.config import Settings
from bot.core.marked import unmark
from bot.core.ports import DeliveryError

log = logging.getLogger("brewbot.mail")


@dataclass(frozen=True)
class Letter:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    attachments: tuple[tuple[str, bytes, str], ...] = ()  # (filename, content, mime type)

    def __post_init__(self) -> None:
        # A letter leaves the process: the marks around typed words (bot/core/marked.py)
        # never go with it, whichever sentence put them there.
        for name in ("subject", "text", "html"):
            object.__setattr__(self, name, unmark(getattr(self, name)))


def html_paragraphs(text: str) -> str:
    """Plain text as a letter's HTML: each paragraph (blank-line separated) escaped, in a <p>
    of its own."""
    return "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n"))


# Longer than any address people really use, and short enough to show back on one line.
MAX_ADDRESS = 200


def is_address(text: str) -> bool:
    """Whether `text` looks like one e-mail address: something@somewhere.tld, no spaces or
    commas, at most MAX_ADDRESS characters. Only a check for typing mistakes: whether it
    reaches anyone is for the mail server to say."""
    name, at, domain = text.rpartition("@")
    return bool(
        name
        and at
        and "." in domain.strip(".")
        and not any(c.isspace() or c in ",;<>" for c in text)
        and len(text) <= MAX_ADDRESS
    )


def addresses(text: str | None) -> tuple[str, ...]:
    """The addresses in a comma-separated setting."""
    return tuple(a.strip() for a in (text or "").split(",") if a.strip())


def readdressed(letter: Letter, left: str, to: tuple[str, ...]) -> tuple[Letter, str]:
    """`letter`, which the addresses in `left` have not had yet, addressed to `to` instead (a
    setting corrected since): the letter with `to` in its To line, and those of `to` it is
    still to go to, so that nobody who has it gets it twice."""
    had = {a.lower() for a in letter.to} - {a.lower() for a in addresses(left)}
    return replace(letter, to=to), ", ".join(a for a in to if a.lower() not in had)


def build_email(letter: Letter, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(letter.to)
    message["Subject"] = letter.subject
    # Mail servers and spam filters expect both; a retried letter gets a new id, as it is
    # a new message.
    message["Date"] = formatdate(localtime=False, usegmt=True)
    _, _, domain = parseaddr(sender)[1].rpartition("@")
    message["Message-ID"] = make_msgid(domain=domain or None)
    message.set_content(letter.text)
    message.add_alternative(letter.html, subtype="html")
    for filename, content, mime in letter.attachments:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def configured(self) -> bool:
        return bool(self.settings.smtp_host and self.settings.smtp_from)

    async def send(self, letter: Letter, to: Sequence[str] | None = None) -> None:
        """Send `letter` to `to` (its own addresses unless given: a letter tried again goes
        only to those it has not reached), or raise DeliveryError: `email_failed` when trying
        again later may help, otherwise a reason saying who must act (see `_reason`). Its
        detail and `left` name the addresses not reached; the others have the letter."""
        recipients = tuple(letter.to if to is None else to)
        if not recipients:
            return  # everyone it was for has it
        if not self.configured:
            everyone = ", ".join(recipients)
            raise DeliveryError("email_not_configured", everyone, left=everyone)
        s = self.settings
        implicit = s.smtp_tls or s.smtp_port == 465
        try:
            refused, _ = await aiosmtplib.send(
                build_email(letter, s.smtp_from),
                recipients=recipients,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username or None,
                password=s.smtp_password or None,
                use_tls=implicit,
                start_tls=s.smtp_starttls and not implicit,
                # The server's certificate and name are always checked, against the
                # system's authorities and those in SMTP_CA_FILE.
                cert_bundle=s.smtp_ca_file or None,
                timeout=30,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise _refused(exc, recipients) from exc
        if refused:
            # The server took the letter for some addresses and answered for the others as
            # it would have had it refused them all (which aiosmtplib raises): those have
            # not got it.
            answers = [
                aiosmtplib.SMTPRecipientRefused(answer.code, answer.message, address)
                for address, answer in refused.items()
            ]
            left = [address for address in recipients if address in refused]
            raise _refused(aiosmtplib.SMTPRecipientsRefused(answers), left)


def _refused(error: BaseException, left: Sequence[str]) -> DeliveryError:
    """The DeliveryError for `error`, which left the letter with `left` not reached."""
    reason, kind = _reason(error), _kind(error)
    # For the admin: what the server said, by kind and code. Never the addresses, which may
    # be a person's own (a reminder by e-mail).
    log.warning("e-mail not sent reason=%s kind=%s code=%s", reason, kind, _code(error))
    return DeliveryError(reason, ", ".join(left), cause=kind, left=", ".join(left))


def _reason(error: BaseException) -> str:
    """Why a letter was not sent (to some of its addresses), as a reason the outbox and the
    advice in prompts/ know. Only "email_failed" is worth trying again (bot/delivery/outbox.py,
    TRANSIENT): the mail server could not be reached, or answered 4xx, "try later". Any other
    answer is the server's last word (5xx), or a setting it does not work with: a person must
    act, so the outbox stops at once and says what to do. A certificate that does not verify
    (from an authority not trusted, for another name, expired) is one of those: it does not
    mend itself, so it is refused, never tried again as if the network had failed."""
    if _certificate_failed(error):
        return "email_certificate"
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in error.recipients]
        return "email_refused" if any(code >= 500 for code in codes) else "email_failed"
    if isinstance(error, aiosmtplib.SMTPResponseException):
        if error.code < 500:
            return "email_failed"
        if isinstance(error, aiosmtplib.SMTPAuthenticationError):
            return "email_login"
        if isinstance(error, aiosmtplib.SMTPSenderRefused):
            return "email_sender"
        return "email_rejected"  # the letter itself, or Brewbot's greeting
    if isinstance(error, OSError):  # a lost connection, a timeout, a TLS handshake
        return "email_failed"
    # The server does not offer what the settings ask of it (STARTTLS, a login).
    return "email_rejected"


def _certificate_failed(error: BaseException) -> bool:
    """Whether the mail server's certificate did not verify: the error itself, or the TLS error
    behind a failed connection or STARTTLS (aiosmtplib raises its own, caused by it)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _code(error: BaseException) -> str:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return ",".join(str(refused.code) for refused in error.recipients)
    return str(getattr(error, "code", ""))


def _kind(error: BaseException) -> str:
    """The failure's kind, for the admin: the TLS error inside a failed connection (an
    SSLCertVerificationError says the server's certificate is not trusted) or its own."""
    if isinstance(error.__cause__, ssl.SSLError):
        return type(error.__cause__).__name__
    return type(error).__name__
