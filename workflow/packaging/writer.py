"""The archive writer shared by every outbound message: sign the documents, build and validate
the envelope and the message, write the archive (PROTOCOL.md §3, §8).

Each document was read once, by :func:`~workflow.protocol.documents.examine` (kind, size,
SHA-256): the signer signs that digest, and the archive writer copies the file with the
deflate level its kind calls for. The message's XML is kept in the :class:`Package`, so that
nobody reads it back from the archive.
"""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workflow.collectivite import Collectivite
from workflow.errors import InvalidDocument
from workflow.identifiers import IDActe, TypologyCode
from workflow.packaging.envelope import envelope_xml as envelope_xml_for
from workflow.packaging.envelope import valid_xml
from workflow.packaging.values import DocumentInput, Package, PackagedFile, PackagingOptions
from workflow.protocol.archive_out import OutgoingMember, write_archive
from workflow.protocol.documents import MAX_TOTAL_BYTES, DocumentFacts
from workflow.protocol.messages import (
    Message,
    MessageCode,
)
from workflow.protocol.naming import EnvelopeName, MessageStem
from workflow.signing import DetachedSignature, Signer


@dataclass(frozen=True, slots=True)
class PlannedDocument:
    """A document on its way into the archive: what examine learnt, its name and signature."""

    facts: DocumentFacts
    name: str
    role: str
    typology: TypologyCode | None
    signature: str | None = None
    signature_sha256: str | None = None


def check_total_size(documents: Sequence[DocumentInput]) -> None:
    """Refuse an oversize set from the file sizes alone, before reading any content."""
    total = 0
    for index, document in enumerate(documents):
        try:
            total += document.path.stat().st_size
        except FileNotFoundError as exc:
            label = "document" if index == 0 else f"annexe {index}"
            raise InvalidDocument(
                f"{label} {document.path} does not exist",
                field="document" if index == 0 else "annexe",
                rule="an existing file",
                value=str(document.path),
            ) from exc
    if total > MAX_TOTAL_BYTES:
        raise InvalidDocument(
            f"documents total {total} bytes; an ACTES archive holds at most {MAX_TOTAL_BYTES} "
            "(150 MiB)",
            field="documents",
            rule="at most 150 MiB in all",
            value=total,
        )


def sign(
    planned: PlannedDocument, signer: Signer | None, given: bytes | None = None
) -> PlannedDocument:
    """The document with its signature: the one given with it (as PEM text, PROTOCOL.md §8),
    else the service's own when it signs, else none."""
    if given is not None:
        signature = DetachedSignature.from_bytes(given)
    elif signer is None:
        return planned
    else:
        signature = signer.sign_digest(bytes.fromhex(planned.facts.sha256))
    return PlannedDocument(
        planned.facts,
        planned.name,
        planned.role,
        planned.typology,
        signature.pem.strip(),
        signature.sha256,
    )


def write_package(
    collectivite: Collectivite,
    message: Message,
    stem: MessageStem,
    code: MessageCode,
    planned: Sequence[PlannedDocument],
    out_dir: Path,
    options: PackagingOptions,
    *,
    id_acte: IDActe | None = None,
    objet_changes: tuple[str, ...] = (),
    signer_warnings: tuple[str, ...] = (),
) -> Package:
    message_name = stem.message_name(code)
    message_xml = valid_xml(message, message_name)
    envelope = EnvelopeName.build(
        options.appli, collectivite.siren, options.generated_on, options.serial
    )
    envelope_name = envelope.xml_name
    envelope_xml = envelope_xml_for(collectivite, message_name, envelope_name)

    archive_name = envelope.archive_name(options.trigramme)
    members = [
        OutgoingMember(envelope_name, envelope_xml),
        OutgoingMember(message_name, message_xml),
        *(
            OutgoingMember(
                p.name, p.facts.path, p.facts.deflate_level, p.facts.size, p.facts.content
            )
            for p in planned
        ),
    ]
    # the evidence first: what follows the archive's fsync is what the caller waits for last
    files = [
        PackagedFile(
            envelope_name, "envelope", len(envelope_xml), hashlib.sha256(envelope_xml).hexdigest()
        ),
        PackagedFile(
            message_name, "message", len(message_xml), hashlib.sha256(message_xml).hexdigest()
        ),
        *(
            PackagedFile(
                p.name,
                p.role,
                p.facts.size,
                p.facts.sha256,
                p.facts.kind.value,
                p.typology.value if p.typology else None,
                p.signature_sha256,
            )
            for p in planned
        ),
    ]
    midnight = calendar.timegm(options.generated_on.timetuple())
    written = write_archive(out_dir / archive_name, members, mtime=midnight)

    return Package(
        archive=written,
        archive_name=archive_name,
        envelope_name=envelope_name,
        message_name=message_name,
        code=code,
        files=tuple(files),
        id_acte=id_acte,
        objet_changes=objet_changes,
        signer_warnings=signer_warnings,
        message_xml=message_xml,
    )
