"""Why an act is not moving: its current problem, as a stable machine code with what happened,
since when, and either the next automatic attempt or the action a person must take.

Each failure on the way (signing, packaging, platform unreachable or refusing the login, refusal,
anomaly, an act parked on the platform, retries exhausted) is recorded on the act by the use
case that met it, and cleared when the act moves on. The text people read comes from the
message catalogs (French by default); the code stays the same in every language.

A *configuration* problem (an expired certificate, a refused platform login) is the service's,
not the act's: the alerts raise it once as an operational alert, not once per act.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from typing import Any

from workflow.i18n import _, long_moment


class ProblemCode(enum.StrEnum):
    SIGNING_FAILED = "signing_failed"
    PACKAGING_FAILED = "packaging_failed"
    PLATFORM_UNREACHABLE = "platform_unreachable"
    PLATFORM_LOGIN_REFUSED = "platform_login_refused"
    PLATFORM_NOT_CONFIGURED = "platform_not_configured"
    NO_PLATFORM_ACCOUNT = "no_platform_account"
    PLATFORM_REFUSED = "platform_refused"
    PREFECTURE_ANOMALY = "prefecture_anomaly"
    PARKED_ON_PLATFORM = "parked_on_platform"
    RETRIES_EXHAUSTED = "retries_exhausted"


#: faults of the service's configuration: one operational alert, not one per act
CONFIGURATION = frozenset(
    {
        ProblemCode.SIGNING_FAILED,
        ProblemCode.PLATFORM_LOGIN_REFUSED,
        ProblemCode.PLATFORM_NOT_CONFIGURED,
        ProblemCode.NO_PLATFORM_ACCOUNT,
    }
)


def _texts(code: ProblemCode, locale: str | None) -> tuple[str, str]:
    """(what happened, what to do) for ``code``, translated; ``{detail}`` and ``{next}`` are
    filled by the caller."""
    texts = {
        ProblemCode.SIGNING_FAILED: (
            _("the act could not be signed: {detail}", locale=locale),
            _(
                "renew or fix the signing certificate, then send the act again (actes retry)",
                locale=locale,
            ),
        ),
        ProblemCode.PACKAGING_FAILED: (
            _("the act could not be prepared for sending: {detail}", locale=locale),
            _("correct the act and send it again (actes resend)", locale=locale),
        ),
        ProblemCode.PLATFORM_UNREACHABLE: (
            _("the transmission platform cannot be reached: {detail}", locale=locale),
            _("nothing to do: next automatic attempt {next}", locale=locale),
        ),
        ProblemCode.PLATFORM_LOGIN_REFUSED: (
            _("the transmission platform refused the service's login: {detail}", locale=locale),
            _(
                "fix the platform certificate or login, then send the act again (actes retry)",
                locale=locale,
            ),
        ),
        ProblemCode.PLATFORM_NOT_CONFIGURED: (
            _("no transmission platform is configured: {detail}", locale=locale),
            _("set ACTES_PLATFORM_URL, then send the act again (actes retry)", locale=locale),
        ),
        ProblemCode.NO_PLATFORM_ACCOUNT: (
            _(
                "the collectivité {detail} has no platform account: the act is not sent",
                locale=locale,
            ),
            _(
                "bind the collectivité's platform account (actes collectivites platform-account "
                "SIREN --cert FILE --key FILE); the act is sent then",
                locale=locale,
            ),
        ),
        ProblemCode.PLATFORM_REFUSED: (
            _("the transmission platform refused the act: {detail}", locale=locale),
            _(
                "correct the act and send it again under a new number (actes resend)",
                locale=locale,
            ),
        ),
        ProblemCode.PREFECTURE_ANOMALY: (
            _("the préfecture reported an anomaly: {detail}", locale=locale),
            _(
                "correct the act and send it again under a new number (actes resend)",
                locale=locale,
            ),
        ),
        ProblemCode.PARKED_ON_PLATFORM: (
            _("the act waits on the platform to be confirmed: {detail}", locale=locale),
            _("confirm the act on the transmission platform", locale=locale),
        ),
        ProblemCode.RETRIES_EXHAUSTED: (
            _("sending failed after every automatic attempt: {detail}", locale=locale),
            _("once the cause is fixed, send the act again (actes retry)", locale=locale),
        ),
    }
    return texts[code]


_PATH = re.compile(r"(?<![\w.])/(?:[\w.@+-]+/)+([\w.@+-]+)")
_HASH = re.compile(r"\b[0-9a-f]{40,64}\b", re.IGNORECASE)


def for_people(text: str) -> str:
    """``text`` without server paths (only the file's name is kept) or long hashes."""
    return " ".join(_HASH.sub("…", _PATH.sub(r"\1", text)).split())


@dataclass(frozen=True, slots=True)
class CurrentProblem:
    code: ProblemCode
    since: dt.datetime
    detail: str
    next_attempt: dt.datetime | None = None
    #: a configuration fault: when the service's operators were alerted about it (once for
    #: every act it holds, :mod:`workflow.operator`)
    operator_alerted: dt.datetime | None = None

    @property
    def configuration(self) -> bool:
        return self.code in CONFIGURATION

    def message(self, locale: str | None = None) -> str:
        what, _action = _texts(self.code, locale)
        return what.format(detail=for_people(self.detail) or "-")

    def action(self, locale: str | None = None) -> str:
        if self.configuration and self.operator_alerted is not None:
            return _(
                "the service's operators were alerted on {date}: once they fix the "
                "configuration, the act is sent again (actes retry)",
                locale=locale,
                date=f"{self.operator_alerted:%Y-%m-%d %H:%M} UTC",
            )
        _what, action = _texts(self.code, locale)
        when = long_moment(self.next_attempt, locale) if self.next_attempt else "-"
        return action.format(next=when)

    def as_dict(self, locale: str | None = None) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "since": self.since.isoformat(),
            "next_attempt_at": self.next_attempt.isoformat() if self.next_attempt else None,
            "message": self.message(locale),
            "action": self.action(locale),
            "configuration": self.configuration,
            "operator_alerted_at": (
                self.operator_alerted.isoformat() if self.operator_alerted else None
            ),
        }
