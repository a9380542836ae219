"""Packaging: from an act (or an answer to the préfecture) to a named, validated ACTES archive.

The pure decisions (names, checks, XML) happen before any byte is written; documents are read
once to detect their kind and hash them, then streamed into the archive (never loaded whole).
Every XML we emit is validated against the project's XSDs before the archive is written, and
the archive is written atomically and deterministically (see :mod:`workflow.protocol.archive`).

Rules come from PROTOCOL.md: §2 (the act message), §3 (envelope, archive naming), §8
(signature in ``FichierSigne/Signature``), §9 (document kinds, sizes, decision date).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import hashlib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflow.collectivite import Collectivite
from workflow.errors import InvalidDocument, InvalidInput
from workflow.identifiers import (
    ActNature,
    Classification,
    IDActe,
    NumberProfile,
    NumeroInterne,
    TypologyCode,
)
from workflow.protocol import schemas, xml_out
from workflow.protocol.archive import OutgoingMember, WrittenArchive, write_archive
from workflow.protocol.documents import MAX_TOTAL_BYTES, DocumentFacts, DocumentKind, examine
from workflow.protocol.messages import (
    Acte,
    ActeData,
    Annulation,
    ARDemandePieceComplementaire,
    ARLettreObservations,
    DemandeClassification,
    EnveloppeCLMISILL,
    Message,
    MessageCode,
    PieceComplementaire,
    Referent,
    RefusPieceComplementaire,
    RejetLettreObservations,
    ReponseCourrierSimple,
    ReponseLettreObservations,
    SignedFile,
)
from workflow.protocol.naming import EnvelopeName, MessageStem
from workflow.signing import Signer

# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class DocumentInput:
    """A document on disk and its typology code (``None``: the nature's default, act only)."""

    path: Path
    typology: TypologyCode | None = None


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


# --------------------------------------------------------------------------- outputs


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
    """A written archive and what it holds."""

    archive: WrittenArchive
    archive_name: str
    envelope_name: str
    message_name: str
    code: MessageCode
    files: tuple[PackagedFile, ...]
    id_acte: IDActe | None = None
    objet_changes: tuple[str, ...] = field(default_factory=tuple)
    signer_warnings: tuple[str, ...] = field(default_factory=tuple)

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


# --------------------------------------------------------------------------- objet

# Characters outside ISO-8859-1 that French office software commonly produces, and their
# Latin-1 rendering. Anything else outside Latin-1 is refused with its position.
TRANSLITERATION = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2012": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2026": "...",
    "\u0153": "oe",
    "\u0152": "OE",
    "\u20ac": "EUR",
    "\u202f": " ",
    "\u2009": " ",
    "\u2007": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2022": "-",
    "\u2122": "TM",
    "\u0178": "Y",
}


def clean_objet(raw: str, *, max_length: int) -> tuple[str, tuple[str, ...]]:
    """Validate the objet and make it Latin-1, reporting each transliteration.

    Rules: not empty, no line break (Pastell; the platform shows it on one line), at most
    ``max_length`` characters after transliteration, only ISO-8859-1 characters.
    """
    text = unicodedata.normalize("NFC", raw).strip()
    if not text:
        raise InvalidInput("objet is empty", field="objet", rule="not empty", value=raw)
    if "\n" in text or "\r" in text:
        line = text.replace("\r", "").split("\n")[0]
        raise InvalidInput(
            "objet must be on one line (it holds a line break after "
            f"{line[-30:]!r}); join the lines before sending",
            field="objet",
            rule="no line break",
            value=raw,
        )
    changes: list[str] = []
    out: list[str] = []
    for position, char in enumerate(text, start=1):
        if ord(char) < 256:
            out.append(char)
            continue
        replacement = TRANSLITERATION.get(char)
        if replacement is None:
            raise InvalidInput(
                f"objet character {char!r} (U+{ord(char):04X}, position {position}) is not in "
                "ISO-8859-1, the platform's encoding; replace it",
                field="objet",
                rule="ISO-8859-1 characters",
                value=raw,
            )
        out.append(replacement)
        change = f"{char!r} → {replacement!r}"
        if change not in changes:
            changes.append(change)
    cleaned = "".join(out)
    if len(cleaned) > max_length:
        raise InvalidInput(
            f"objet has {len(cleaned)} characters; at most {max_length} are allowed",
            field="objet",
            rule=f"at most {max_length} characters",
            value=raw,
        )
    return cleaned, tuple(f"transliterated {c}" for c in changes)


def objet_limit(profile: NumberProfile) -> int:
    """S²LOW stores the subject in 499 characters; the XSD allows 500 (PROTOCOL.md §2.2)."""
    return 499 if profile is NumberProfile.S2LOW else 500


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True, slots=True)
class _PlannedDocument:
    facts: DocumentFacts
    name: str
    role: str
    typology: TypologyCode | None
    signature: str | None = None
    signature_sha256: str | None = None


def _check_total_size(documents: Sequence[DocumentInput]) -> None:
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


def _check_main_kind(
    facts: DocumentFacts, nature: ActNature, classification: Classification
) -> None:
    if facts.kind is DocumentKind.PDF:
        return
    budget_xml = (
        facts.kind is DocumentKind.XML
        and nature is ActNature.BF
        and classification.levels[:2] == (7, 1)
    )
    if not budget_xml:
        raise InvalidDocument(
            f"the act document {facts.path.name} is {facts.kind.name}, not PDF; XML is allowed "
            "only for a budget document (nature BF, classification 7.1)",
            field="document",
            rule="PDF (or XML for BF 7.1)",
            value=facts.kind.name,
        )


def _check_typology(
    typology: TypologyCode,
    nature: ActNature,
    options: PackagingOptions,
    *,
    field: str,
) -> None:
    allowed = options.allowed_typologies
    if allowed is not None and typology.value not in allowed:
        of = f" of {options.typologies_from}" if options.typologies_from else ""
        raise InvalidInput(
            f"typology {typology} is not allowed for nature {nature.abbrev} by the "
            f"collectivité's classification (7-2{of}); allowed: {', '.join(sorted(allowed))}",
            field=field,
            rule="typology allowed for the nature (7-2)",
            value=typology.value,
        )


def _sign(planned: _PlannedDocument, signer: Signer | None) -> _PlannedDocument:
    if signer is None:
        return planned
    with planned.facts.path.open("rb") as stream:
        signature = signer.sign_detached(stream)
    return _PlannedDocument(
        planned.facts,
        planned.name,
        planned.role,
        planned.typology,
        signature.pem.strip(),
        signature.sha256,
    )


# --------------------------------------------------------------------------- the act (1-1)


def package_act(
    act: ActInput, out_dir: Path, options: PackagingOptions, *, signer: Signer | None = None
) -> Package:
    """Build, validate and write the 1-1 archive of ``act`` into ``out_dir``."""
    if act.date > options.generated_on:
        raise InvalidInput(
            f"the act's date {act.date} is in the future (today is {options.generated_on})",
            field="date",
            rule="decision date not in the future",
            value=act.date.isoformat(),
        )
    objet, objet_changes = clean_objet(act.objet, max_length=objet_limit(options.profile))
    _check_total_size([act.document, *act.annexes])

    main_facts = examine(act.document.path, field="document")
    _check_main_kind(main_facts, act.nature, act.classification)
    main_typology = act.document.typology or act.nature.default_typology
    _check_typology(main_typology, act.nature, options, field="typologie")

    collectivite = act.collectivite
    stem = MessageStem.for_act(
        collectivite.departement, collectivite.siren, act.date, act.numero.value, act.nature
    )
    code = MessageCode.ACTE
    planned = [
        _PlannedDocument(
            main_facts,
            stem.document_name(code, 1, main_facts.kind.value, main_typology),
            "document",
            main_typology,
        )
    ]
    for index, annexe in enumerate(act.annexes, start=1):
        planned.append(_plan_annexe(annexe, index, main_facts.kind, stem, code, act, options))
    planned = [_sign(p, signer) for p in planned]

    data = ActeData(
        date=act.date,
        numero=act.numero.value,
        nature=act.nature,
        classification=act.classification,
        objet=objet,
        classification_date=act.classification_date,
        document=SignedFile(planned[0].name, planned[0].signature),
        annexes=tuple(SignedFile(p.name, p.signature) for p in planned[1:]),
        document_papier=act.document_papier,
    )
    id_acte = IDActe.build(
        collectivite.departement, collectivite.siren, act.date, act.numero, act.nature
    )
    package = _write_package(
        collectivite, Acte(data), stem, code, planned, out_dir, options, id_acte=id_acte
    )
    warnings = tuple(getattr(signer, "warnings", ()) or ())
    return dataclasses.replace(package, objet_changes=objet_changes, signer_warnings=warnings)


def _plan_annexe(
    annexe: DocumentInput,
    index: int,
    main_kind: DocumentKind,
    stem: MessageStem,
    code: MessageCode,
    act: ActInput,
    options: PackagingOptions,
) -> _PlannedDocument:
    label = f"annexe {index}"
    facts = examine(annexe.path, field="annexe")
    if main_kind is DocumentKind.XML and facts.kind is not DocumentKind.PDF:
        raise InvalidDocument(
            f"{label} ({annexe.path.name}) is {facts.kind.name}; with an XML budget document "
            "the annexes must be PDF",
            field="annexe",
            rule="PDF annexes with an XML act",
            value=annexe.path.name,
        )
    if annexe.typology is None:
        raise InvalidInput(
            f"{label} ({annexe.path.name}) has no typology code; the platform requires one "
            "per annexe (e.g. 99_AU)",
            field="typologie",
            rule="one typology per annexe",
            value=annexe.path.name,
        )
    _check_typology(annexe.typology, act.nature, options, field="typologie")
    name = stem.document_name(code, index + 1, facts.kind.value, annexe.typology)
    return _PlannedDocument(facts, name, "annexe", annexe.typology)


# --------------------------------------------------------------------------- answers (2-2 …)

#: answers that carry exactly one document
_ONE_DOCUMENT_ANSWERS: dict[MessageCode, Callable[..., Message]] = {
    MessageCode.REPONSE_COURRIER_SIMPLE: ReponseCourrierSimple,
    MessageCode.REFUS_PIECE_COMPLEMENTAIRE: RefusPieceComplementaire,
    MessageCode.REJET_LETTRE_OBSERVATIONS: RejetLettreObservations,
    MessageCode.REPONSE_LETTRE_OBSERVATIONS: ReponseLettreObservations,
}
_ACKNOWLEDGEMENTS: dict[MessageCode, Callable[..., Message]] = {
    MessageCode.AR_DEMANDE_PIECE_COMPLEMENTAIRE: ARDemandePieceComplementaire,
    MessageCode.AR_LETTRE_OBSERVATIONS: ARLettreObservations,
}
ANSWER_CODES = frozenset(
    {*_ONE_DOCUMENT_ANSWERS, *_ACKNOWLEDGEMENTS, MessageCode.PIECE_COMPLEMENTAIRE}
)


def package_answer(
    collectivite: Collectivite,
    code: MessageCode,
    id_acte: IDActe,
    date_courrier_pref: dt.date,
    documents: Sequence[DocumentInput],
    out_dir: Path,
    options: PackagingOptions,
    *,
    signer: Signer | None = None,
) -> Package:
    """Build the archive of an answer to a préfecture letter (2-2, 3-2, 3-3, 3-4, 4-2, 4-3, 4-4).

    ``documents``: none for the acknowledgements 3-2 / 4-2, exactly one for 2-2 / 3-3 / 4-3 /
    4-4, one or more for 3-4 (PROTOCOL.md §4). Every message of an act's life cycle carries
    the act's own stem, i.e. its IDActe (§3.4).
    """
    _check_answer_documents(code, documents)
    _check_own_act(collectivite, id_acte)
    _check_total_size(documents)
    stem = MessageStem.for_act(
        id_acte.departement, id_acte.siren, id_acte.date, id_acte.numero, id_acte.nature
    )
    planned = []
    for index, document in enumerate(documents, start=1):
        facts = examine(document.path, field="document")
        typology = document.typology or id_acte.nature.default_typology
        name = stem.document_name(code, index, facts.kind.value, typology)
        planned.append(_sign(_PlannedDocument(facts, name, "document", typology), signer))
    files = tuple(SignedFile(p.name, p.signature) for p in planned)
    message: Message
    if code in _ACKNOWLEDGEMENTS:
        message = _ACKNOWLEDGEMENTS[code](str(id_acte), date_courrier_pref)
    elif code is MessageCode.PIECE_COMPLEMENTAIRE:
        message = PieceComplementaire(str(id_acte), date_courrier_pref, documents=files)
    else:
        message = _ONE_DOCUMENT_ANSWERS[code](str(id_acte), date_courrier_pref, document=files[0])
    return _write_package(
        collectivite, message, stem, code, planned, out_dir, options, id_acte=id_acte
    )


def _check_answer_documents(code: MessageCode, documents: Sequence[DocumentInput]) -> None:
    if code not in ANSWER_CODES:
        raise InvalidInput(
            f"{code.value} is not an answer the collectivité sends",
            field="code",
            rule="one of " + ", ".join(sorted(c.value for c in ANSWER_CODES)),
            value=code.value,
        )
    count = len(documents)
    expected = (
        (0, 0)
        if code in _ACKNOWLEDGEMENTS
        else (1, 500)
        if code is MessageCode.PIECE_COMPLEMENTAIRE
        else (1, 1)
    )
    if not expected[0] <= count <= expected[1]:
        wanted = (
            "no document"
            if expected[1] == 0
            else "one document"
            if expected == (1, 1)
            else "at least one document"
        )
        raise InvalidInput(
            f"message {code.value} takes {wanted}, {count} given",
            field="documents",
            rule=wanted,
            value=count,
        )


def _check_own_act(collectivite: Collectivite, id_acte: IDActe) -> None:
    if id_acte.siren != collectivite.siren:
        raise InvalidInput(
            f"IDActe {id_acte} belongs to SIREN {id_acte.siren}, not to {collectivite.name} "
            f"({collectivite.siren})",
            field="id_acte",
            rule="an act of this collectivité",
            value=str(id_acte),
        )


def package_cancellation(
    collectivite: Collectivite, id_acte: IDActe, out_dir: Path, options: PackagingOptions
) -> Package:
    """Build the 6-1 ``Annulation`` archive withdrawing a transmitted act."""
    _check_own_act(collectivite, id_acte)
    stem = MessageStem.for_act(
        id_acte.departement, id_acte.siren, id_acte.date, id_acte.numero, id_acte.nature
    )
    message = Annulation(str(id_acte))
    return _write_package(
        collectivite, message, stem, MessageCode.ANNULATION, [], out_dir, options, id_acte=id_acte
    )


def package_classification_request(
    collectivite: Collectivite,
    out_dir: Path,
    options: PackagingOptions,
    *,
    current: dt.date | None = None,
) -> Package:
    """Build the 7-1 ``DemandeClassification`` archive (with the date of the one held)."""
    stem = MessageStem.for_classification(collectivite.departement, collectivite.siren)
    message = DemandeClassification(current)
    return _write_package(
        collectivite, message, stem, MessageCode.DEMANDE_CLASSIFICATION, [], out_dir, options
    )


# --------------------------------------------------------------------------- common tail


def _write_package(
    collectivite: Collectivite,
    message: Message,
    stem: MessageStem,
    code: MessageCode,
    planned: Sequence[_PlannedDocument],
    out_dir: Path,
    options: PackagingOptions,
    *,
    id_acte: IDActe | None = None,
) -> Package:
    message_name = stem.message_name(code)
    message_xml = xml_out.to_xml(message)
    schemas.validate(message_xml, source=message_name)

    envelope_name = EnvelopeName.build(
        options.appli, collectivite.siren, options.generated_on, options.serial
    )
    envelope_xml = xml_out.to_xml(_envelope(collectivite, message_name))
    schemas.validate(envelope_xml, source=envelope_name.xml_name)

    archive_name = envelope_name.archive_name(options.trigramme)
    members = [
        OutgoingMember(envelope_name.xml_name, envelope_xml),
        OutgoingMember(message_name, message_xml),
        *(OutgoingMember(p.name, p.facts.path) for p in planned),
    ]
    midnight = calendar.timegm(options.generated_on.timetuple())
    written = write_archive(out_dir / archive_name, members, mtime=midnight)

    files = [
        PackagedFile(
            envelope_name.xml_name,
            "envelope",
            len(envelope_xml),
            hashlib.sha256(envelope_xml).hexdigest(),
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
    return Package(
        archive=written,
        archive_name=archive_name,
        envelope_name=envelope_name.xml_name,
        message_name=message_name,
        code=code,
        files=tuple(files),
        id_acte=id_acte,
    )


def _envelope(collectivite: Collectivite, message_name: str) -> EnveloppeCLMISILL:
    if not collectivite.emails:
        raise InvalidInput(
            f"{collectivite.name} has no return e-mail address; the préfecture needs at least "
            "one to answer (AdressesRetour)",
            field="emails",
            rule="at least one return address",
        )
    referent = collectivite.referent
    return EnveloppeCLMISILL(
        siren=collectivite.siren.value,
        departement=collectivite.departement.value,
        arrondissement=collectivite.arrondissement.value,
        nature=collectivite.nature.value,
        adresses_retour=tuple(dict.fromkeys(e.value for e in collectivite.emails)),
        formulaires=(SignedFile(message_name),),
        referent=Referent(
            referent.nom, referent.telephone, referent.email.value if referent.email else None
        )
        if referent
        else None,
    )
