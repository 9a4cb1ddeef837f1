"""Email, always sent by a job: SMTP when `MAIL_URL` is set, else a file in `instance/mail/`.

Production requires `MAIL_URL` (`config.check_config`). The log names only the recipient and
the subject: bodies carry reset, confirmation and invitation links, which are as good as a
password to whoever reads the log.
"""

from __future__ import annotations

import logging
import re
import smtplib
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import current_app

from .jobs import enqueue, job
from .timeutil import utcnow

log = logging.getLogger(__name__)


def text_attachment(filename: str, content_type: str, text: str) -> dict[str, str]:
    """A text attachment (a calendar file, a CSV), in a form a queued job can carry."""
    return {"filename": filename, "content_type": content_type, "text": text}


def send_email(
    to: str, subject: str, body: str, attachments: list[dict[str, str]] | None = None
) -> None:
    """Queue an email; it is sent after the current transaction commits."""
    enqueue(deliver_email, to, subject, body, attachments or [])


def _message(
    to: str, subject: str, body: str, attachments: list[dict[str, str]] | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    for attachment in attachments or []:
        maintype, _, subtype = attachment["content_type"].partition("/")
        params = {"method": "PUBLISH"} if subtype == "calendar" else {}
        message.add_attachment(
            attachment["text"].encode(),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
            params=params,
        )
    return message


@job
def deliver_email(
    to: str, subject: str, body: str, attachments: list[dict[str, str]] | None = None
) -> str:
    message = _message(to, subject, body, attachments)
    mail_url = current_app.config.get("MAIL_URL")
    if mail_url:
        _send_smtp(mail_url, message)
        return "smtp"
    folder = Path(current_app.config["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    safe_to = re.sub(r"[^a-z0-9]+", "-", to.lower()).strip("-")
    path = folder / f"{stamp}-{safe_to}.eml"
    path.write_bytes(bytes(message))
    log.info("Email to %s: %s (saved to %s)", to, subject, path)
    return str(path)


def _send_smtp(mail_url: str, message: EmailMessage) -> None:
    """`smtp://user:pass@host:port` or `smtps://...`; `?starttls=1` upgrades plain SMTP."""
    url = urlparse(mail_url)
    port = url.port or (465 if url.scheme == "smtps" else 25)
    smtp_cls = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with smtp_cls(url.hostname or "localhost", port, timeout=30) as smtp:
        if "starttls=1" in (url.query or ""):
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)
