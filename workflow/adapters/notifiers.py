"""Notifier adapters: e-mail over SMTP, and a JSON webhook signed with HMAC-SHA256.

Both translate their library's errors into :class:`TransientError` (the sweep tries again
next time; nothing is recorded as sent until it was sent).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from email.message import EmailMessage
from typing import Protocol

import requests

from workflow.alerts import Digest
from workflow.errors import TransientError
from workflow.signing import Secret

SIGNATURE_HEADER = "X-Actes-Signature"


class Mail(Protocol):
    """A collectivité's digest, or the operators' (workflow.operator.OperatorDigest)."""

    @property
    def recipients(self) -> tuple[str, ...]: ...

    @property
    def subject(self) -> str: ...

    def text(self) -> str: ...


class SmtpNotifier:
    channel = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        timeout: float = 15.0,
        login: tuple[str, Secret] | None = None,
    ) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self._login = login  # user and password (ACTES_SMTP_USER, ACTES_SMTP_PASSWORD_FILE)

    def send(self, digest: Mail) -> None:
        if not digest.recipients:
            return
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(digest.recipients)
        message["Subject"] = digest.subject
        message.set_content(digest.text())
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self._login is not None:
                    smtp.ehlo()
                    if smtp.has_extn("starttls"):
                        smtp.starttls()
                    user, password = self._login
                    smtp.login(user, password.reveal().decode("utf-8"))
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(
                f"cannot send the alert e-mail via {self.host}:{self.port} ({exc})", field="smtp"
            ) from exc


def sign_body(body: bytes, secret: Secret) -> str:
    return "sha256=" + hmac.new(secret.reveal(), body, hashlib.sha256).hexdigest()


class WebhookNotifier:
    channel = "webhook"

    def __init__(self, url: str, secret: Secret, *, timeout: float = 10.0) -> None:
        self.url, self._secret, self.timeout = url, secret, timeout

    def send(self, digest: Digest) -> None:
        body = json.dumps(digest.as_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign_body(body, self._secret),
        }
        try:
            response = requests.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransientError(
                f"cannot reach the alert webhook ({type(exc).__name__})", field="webhook"
            ) from exc
        if response.status_code >= 300:
            raise TransientError(
                f"the alert webhook answered HTTP {response.status_code}", field="webhook"
            )
