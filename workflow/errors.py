"""One exception tree for the whole service, split by what the caller must do.

::

    ActesError                      every error this package raises on purpose
    ├── InvalidInput                the input is wrong: correct it, retrying changes nothing
    │   ├── InvalidIdentifier       SIREN, département, NumeroInterne, IDActe, classification …
    │   ├── InvalidDocument         a document's type, size or content breaks a protocol rule
    │   ├── InvalidMessage          an ACTES XML message is malformed or of an unexpected kind
    │   │   └── SchemaViolation     … it does not validate against an XSD
    │   ├── UnsafeArchive           an archive from outside breaks a safety rule (traversal, bomb)
    │   └── ConfigurationError      a settings or registry file is wrong
    ├── TransientError              the world failed for now: retry later (with backoff)
    ├── Rejected                    a peer refused for good: record it, do not retry
    ├── Conflict                    the request contradicts the recorded state
    │   ├── IllegalTransition       a lifecycle move the table does not allow
    │   └── AlreadyExists           the same act / number / key was already recorded
    ├── NotFound                    the thing named does not exist (or is not yours to see)
    └── SecurityError               a credential, certificate or signature check failed
        └── PlatformAccessRefused   the platform sent its web interface (a redirect, an HTML
                                    page) instead of an API reply: certificate, login, rights

Interfaces map this tree to their vocabulary in one place each (CLI exit codes, HTTP statuses,
Celery retry decisions). Every error carries structured fields besides its text so that a
caller never parses a message: ``field`` (the input field concerned), ``rule`` (the rule broken,
a short stable code or sentence), ``value`` (the offending value, shortened) and ``act_id``.
Secrets never go into an error: callers pass ``value=None`` for them.
"""

from __future__ import annotations

from typing import Any

_MAX_VALUE_CHARS = 120


def _shorten(value: object) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else repr(value)
    # a lone surrogate cannot be encoded (logs, JSON replies): show it escaped
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(text) > _MAX_VALUE_CHARS:
        return text[: _MAX_VALUE_CHARS - 1] + "…"
    return text


class ActesError(Exception):
    """Base of every deliberate error of the service."""

    #: stable machine-readable category, used by the interfaces' mappings
    code = "error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        rule: str | None = None,
        value: object = None,
        act_id: int | str | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule
        self.value = _shorten(value)
        self.act_id = act_id
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data (for ``--json`` outputs, HTTP bodies, audit rows)."""
        data: dict[str, Any] = {"error": self.code, "message": self.message}
        for key in ("field", "rule", "value", "act_id"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        data.update({k: v for k, v in self.details.items() if v is not None})
        return data

    def one_line(self) -> str:
        """``field: message (rule; got 'value')`` on one line, for a terminal or a log."""
        text = " ".join(self.message.split())
        if self.field and not text.startswith(self.field):
            text = f"{self.field}: {text}"
        extras = []
        if self.rule and self.rule not in text:
            extras.append(f"rule: {self.rule}")
        if self.value is not None and repr(self.value) not in text and self.value not in text:
            extras.append(f"got {self.value!r}")
        if extras:
            text += " (" + "; ".join(extras) + ")"
        return text


class InvalidInput(ActesError):
    """The input breaks a rule; the caller must correct it (never retried)."""

    code = "invalid_input"


class InvalidIdentifier(InvalidInput):
    code = "invalid_identifier"


class InvalidDocument(InvalidInput):
    code = "invalid_document"


class InvalidMessage(InvalidInput):
    code = "invalid_message"


class SchemaViolation(InvalidMessage):
    code = "schema_violation"

    def __init__(self, message: str, *, errors: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.errors = list(errors or [])

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["errors"] = self.errors
        return data


class UnsafeArchive(InvalidInput):
    code = "unsafe_archive"


class ConfigurationError(InvalidInput):
    code = "configuration_error"


class TransientError(ActesError):
    """A peer or resource failed for now: retry with backoff, a bounded number of times."""

    code = "transient"


class Rejected(ActesError):
    """A peer refused for good (platform KO, préfecture anomaly): record, do not retry."""

    code = "rejected"


class Conflict(ActesError):
    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class AlreadyExists(Conflict):
    code = "already_exists"


class NotFound(ActesError):
    code = "not_found"


class SecurityError(ActesError):
    code = "security"


class PlatformAccessRefused(SecurityError):
    """The platform answered with a redirect or an HTML page where its API answers
    ``OK``/``KO``: the certificate is not an account's, the login is missing or wrong, or the
    account lacks the right. Retrying changes nothing; a person must fix the access."""

    code = "platform_access"


class NoPlatformAccount(ConfigurationError):
    """The act's collectivité has no platform account bound: sending it with another
    collectivité's account would file it under that collectivité (S²LOW builds the envelope
    from the account), so it is not sent."""

    code = "no_platform_account"
