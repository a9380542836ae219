"""What packaging takes and gives: an act's inputs, the options, the written package."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow.collectivite import Collectivite
from workflow.identifiers import ActNature, Classification, IDActe, TypologyCode
from workflow.numbering import NumberProfile, NumeroInterne
from workflow.protocol.archive_out import WrittenArchive
from workflow.protocol.messages import MessageCode


@dataclass(frozen=True, slots=True)
class DocumentInput:
    """A document on disk and its typology code (``None``: the nature's default, act only)."""

    path: Path
    typology: TypologyCode | None = None
    #: a detached signature given with the document (DER or PEM): carried as it is, in place
    #: of the service's own (the signatory's signature is the one that counts)
    signature: bytes | None = None


@dataclass(frozen=True, slots=True)
class ActInput:
    """Everything the 1-1 message needs about one act."""

    collectivite: Collectivite
    numero: NumeroInterne
    date: dt.date
    nature: ActNature
    classification: Classification
    classification_date: dt.date
    objet: str
    document: DocumentInput
    annexes: tuple[DocumentInput, ...] = ()
    document_papier: bool = False


@dataclass(frozen=True, slots=True)
class PackagingOptions:
    """How the archive is named, for which platform profile, and on which day.

    ``trigramme``/``appli``: the operator's codes the platform checks on import (S²LOW
    production fixtures use ``SLO`` and ``EACT``). ``serial``: the collectivité's envelope
    counter for ``generated_on`` (the store assigns it; 1 for the first of the day).
    ``profile``: S²LOW limits the objet to 499 characters, the ministry XSD to 500.
    ``allowed_typologies``: when the collectivité's classification (7-2) is known, the
    typology codes it allows for the act's nature (``typologies_from``: that 7-2's date).
    """

    generated_on: dt.date
    serial: int = 1
    trigramme: str = "SLO"
    appli: str = "EACT"
    profile: NumberProfile = NumberProfile.S2LOW
    allowed_typologies: frozenset[str] | None = None
    typologies_from: dt.date | None = None  # the date of the 7-2 they come from


@dataclass(frozen=True, slots=True)
class PackagedFile:
    """One member of a package, as evidence: name, role, size, SHA-256 (+ its signature's)."""

    name: str
    role: str  # "envelope", "message", "document", "annexe"
    size: int
    sha256: str
    kind: str = "xml"
    typology: str | None = None
    signature_sha256: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in _fields(self).items() if v is not None}


@dataclass(frozen=True, slots=True)
class Package:
    """A written archive and what it holds; ``message_xml``: the message's bytes as packaged
    (kept, so that recording the 1-1 never reads the archive back)."""

    archive: WrittenArchive
    archive_name: str
    envelope_name: str
    message_name: str
    code: MessageCode
    files: tuple[PackagedFile, ...]
    id_acte: IDActe | None = None
    objet_changes: tuple[str, ...] = field(default_factory=tuple)
    signer_warnings: tuple[str, ...] = field(default_factory=tuple)
    message_xml: bytes = b""

    def as_dict(self) -> dict[str, Any]:
        return {
            "archive": str(self.archive.path),
            "archive_name": self.archive_name,
            "size": self.archive.size,
            "sha256": self.archive.sha256,
            "code": self.code.value,
            "envelope": self.envelope_name,
            "message": self.message_name,
            "expected_id_acte": str(self.id_acte) if self.id_acte else None,
            "members": [f.as_dict() for f in self.files],
            "objet_changes": list(self.objet_changes),
            "warnings": list(self.signer_warnings),
        }


def _fields(value: PackagedFile) -> dict[str, Any]:
    return {name: getattr(value, name) for name in PackagedFile.__slots__}
