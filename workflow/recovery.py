"""Is a transaction found on the platform by number really the act we may have sent?

After a failed first attempt the act is looked up on the platform before any re-send. One
platform account may serve every collectivité of the registry and the listing carries no
SIREN, so a number alone proves nothing (issue 14 #1). A candidate is ours only when the
listing agrees (number, decision date, objet) **and** the candidate's own details prove the
SIREN, the date, the number and the nature: its IDActe (from its accusé de réception) or the
name of its 1-1 message (``DDD-SIREN-YYYYMMDD-NUMBER-NN-1-1_0.xml``). A candidate already
bound to another of our acts is never ours.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from workflow.errors import ActesError
from workflow.i18n import N_, Message
from workflow.identifiers import IDActe
from workflow.platform import PlatformStatus
from workflow.protocol.naming import parse_file_name
from workflow.store import ActRecord

#: a transaction in these statuses is not (or no longer) the act being sent
_NOT_A_SENT_ACT = frozenset({PlatformStatus.ANNULE, PlatformStatus.DETRUITE})


@dataclass(frozen=True, slots=True)
class Candidate:
    """One listed transaction with the act's number, and what its details say."""

    id: str
    number: str
    subject: str
    date: str
    status: PlatformStatus
    id_acte: str | None = None  # from its ARActe, when it has one
    message_name: str | None = None  # its 1-1 file name, once the platform lists its files
    bound_to: int | None = None  # the act of ours already bound to it


class Outcome(enum.Enum):
    BIND = "bind"  # exactly one proven candidate: the earlier attempt reached the platform
    ABSENT = "absent"  # nothing of ours there: send
    PENDING = "pending"  # a candidate agrees but cannot prove its SIREN yet: wait
    AMBIGUOUS = "ambiguous"  # several proven candidates: bind none, alert, treat as absent


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    transaction_id: str | None
    #: why, kept untranslated: the incident and the error keep its English text
    explanation: Message


def normalised(text: str) -> str:
    """Compare objets as the platform may have re-encoded them (ISO-8859-1, ligatures)."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    ascii_only = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in ascii_only.casefold() if c.isalnum() and c.isascii())


def _listing_agrees(act: ActRecord, candidate: Candidate) -> str | None:
    """None when the listing agrees with the act, else why not."""
    if candidate.number != act.numero:
        return f"number {candidate.number!r}"
    if candidate.date and candidate.date[:10] != act.act_date.isoformat():
        return f"decision date {candidate.date!r}"
    if normalised(candidate.subject) != normalised(act.objet):
        return "objet"
    if candidate.status in _NOT_A_SENT_ACT:
        return f"status {int(candidate.status)}"
    return None


def _proof(candidate: Candidate) -> IDActe | None:
    """The candidate's own identity (IDActe, or its 1-1 name's stem), when it can show one."""
    try:
        if candidate.id_acte:
            return IDActe.parse(candidate.id_acte)
        if candidate.message_name:
            parsed = parse_file_name(candidate.message_name)
            if parsed is not None:
                return IDActe.parse(parsed.stem)
    except ActesError:
        return None
    return None


def _identity_agrees(act: ActRecord, identity: IDActe) -> str | None:
    if identity.siren.value != act.siren:
        return f"SIREN {identity.siren.value}"
    if identity.date != act.act_date:
        return f"date {identity.date.isoformat()}"
    if identity.numero != act.numero:
        return f"number {identity.numero}"
    if identity.nature.name != act.nature:
        return f"nature {identity.nature.name}"
    return None


def judge(act: ActRecord, candidates: Sequence[Candidate]) -> Verdict:
    """Decide what recovery may do with the transactions listed under the act's number."""
    proven: list[Candidate] = []
    pending: list[Candidate] = []
    for candidate in candidates:
        if candidate.bound_to is not None and candidate.bound_to != act.id:
            continue  # another act of ours owns it
        if _listing_agrees(act, candidate) is not None:
            continue
        identity = _proof(candidate)
        if identity is None:
            pending.append(candidate)
        elif _identity_agrees(act, identity) is None:
            proven.append(candidate)
    if len(proven) > 1 or (proven and pending):
        ids = ", ".join(c.id for c in proven + pending)
        return Verdict(
            Outcome.AMBIGUOUS,
            None,
            N_(
                "several platform transactions match act {numero} ({ids}): none is bound",
                numero=act.numero,
                ids=ids,
            ),
        )
    if proven:
        return Verdict(Outcome.BIND, proven[0].id, N_("transaction {id} proven", id=proven[0].id))
    if pending:
        return Verdict(
            Outcome.PENDING,
            None,
            N_(
                "transaction {id} agrees on number, date and objet but cannot show its SIREN "
                "before it leaves status {status}",
                id=pending[0].id,
                status=int(pending[0].status),
            ),
        )
    return Verdict(Outcome.ABSENT, None, N_("no transaction of this act on the platform"))
