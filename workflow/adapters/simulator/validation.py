"""What S²LOW's worker checks after it answered ``OK`` (``ActesAnalyseFichierAEnvoyerWorker``,
PROTOCOL.md §6.6, §9): the 1-1 against the XSD, every document's typology code, the
typologies allowed for the act's nature by the collectivité's last 7-2
(``TypePJNatureActe``), and that every PDF opens. A failure moves the transaction to −1
with ``Enveloppe invalide : <reason>``.

The 7-2 a collectivité holds is the one the control API set for it, else the simulator's
default: the national levels with, for every nature, the generic ``99_*`` typologies.
"""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, cast

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from workflow.adapters.cms_verify import CmsVerifier
from workflow.adapters.simulator.state import SimulatorState
from workflow.errors import ActesError
from workflow.identifiers import ActNature
from workflow.protocol import messages as m
from workflow.protocol import schemas, xml_in, xml_out
from workflow.protocol.archive import ReceivedArchive
from workflow.protocol.nomenclature import (
    NATIONAL_VERSION,
    national_classification,
    recorded_classification,
)

_TYPOLOGY = re.compile(r"[A-Z0-9_]{5}")


class Invalid(Exception):
    """The reason the worker gives after ``Enveloppe invalide : ``."""


@functools.cache
def default_classification() -> m.RetourClassification:
    """The national levels, each nature allowing every generic typology (and 99_SE)."""
    national = national_classification(NATIONAL_VERSION)
    generic = (
        *(m.Typology(n.default_typology.value, n.label) for n in ActNature),
        m.Typology("99_SE", "Fichier de signature électronique"),
    )
    natures = tuple(
        m.NatureEntry(n.code, n.libelle, n.type_abrege, generic) for n in national.natures
    )
    return m.RetourClassification(national.date_classification, natures, national.matieres)


def classification_xml(state: SimulatorState, siren: str) -> bytes:
    rows = state.query("SELECT xml FROM classifications WHERE siren = ?", siren)
    return bytes(rows[0]["xml"]) if rows else _default_xml()


@functools.cache
def _default_xml() -> bytes:
    return xml_out.to_xml(default_classification())


def classification_of(state: SimulatorState, siren: str) -> m.RetourClassification:
    message = recorded_classification(classification_xml(state, siren))
    assert message is not None  # noqa: S101 - stored after parsing
    return message


def set_classification(state: SimulatorState, siren: str, raw: bytes) -> m.RetourClassification:
    message = xml_in.parse_message(raw)
    if not isinstance(message, m.RetourClassification):
        raise Invalid(f"expected a 7-2 RetourClassification, got {type(message).__name__}")
    with state.transaction() as db:
        db.execute("INSERT OR REPLACE INTO classifications(siren, xml) VALUES (?, ?)", (siren, raw))
    return message


def validate(archive: Path | bytes, classification: m.RetourClassification) -> None:
    """Raise :class:`Invalid` with S²LOW's reason when the stored act breaks a rule."""
    with ReceivedArchive.open(archive) as received:
        forms = [n for n in received.names() if n.endswith("-1-1_0.xml")]
        if not forms:
            raise Invalid("aucun message 1-1 dans l'archive")
        raw = received.read(forms[0])
        try:
            schemas.validate(raw, source=forms[0])
            acte = xml_in.parse_message(raw, source=forms[0])
        except ActesError as exc:
            raise Invalid(f"XSDValidationException : {exc.message}") from exc
        if not isinstance(acte, m.Acte):
            raise Invalid(f"{forms[0]} n'est pas un acte (1-1)")
        allowed = _allowed(classification, acte.data.nature)
        for signed in (acte.data.document, *acte.data.annexes):
            _check_document(received, signed.nom_fichier, allowed)
            if signed.signature:
                _check_signature(received, signed)


def _allowed(classification: m.RetourClassification, nature: ActNature) -> frozenset[str] | None:
    for entry in classification.natures:
        if str(entry.code) == str(nature.code) and entry.typologies:
            return frozenset(t.code for t in entry.typologies)
    return None


def _check_signature(archive: ReceivedArchive, signed: m.SignedFile) -> None:
    """S²LOW's openssl check of a ``Signature``: it signs this file's bytes, and its signer's
    certificate was valid at the signing time (the chain to the RGS list is not played: the
    simulator holds no such list)."""
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as copy:  # on disk past 1 MiB
        archive.copy_to(signed.nom_fichier, cast(BinaryIO, copy))
        copy.seek(0)
        signature = (signed.signature or "").encode("ascii", "replace")
        report = CmsVerifier().verify_detached(cast(BinaryIO, copy), signature)
    if report.error is not None:
        raise Invalid(
            f"La vérification de la signature a échoué : {signed.nom_fichier} ({report.error})"
        )


def _check_document(
    archive: ReceivedArchive, file_name: str, allowed: frozenset[str] | None
) -> None:
    if file_name not in archive.names():
        raise Invalid(f"le fichier {file_name} est absent de l'archive")
    prefix = file_name.split("-", 1)[0]
    if not _TYPOLOGY.fullmatch(prefix):
        raise Invalid(f"Le code de la PJ doit faire 5 caractères : {file_name}")
    if allowed is not None and prefix not in allowed:
        raise Invalid(f"La typologie {prefix} n'est pas permise sur le fichier {file_name}")
    if file_name.lower().endswith(".pdf"):
        # on disk past 1 MiB: pypdf reads the cross-reference table and the first page
        # through the file, never the whole document (issue 13)
        with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as copy:
            archive.copy_to(file_name, cast(BinaryIO, copy))
            try:
                PdfReader(copy, strict=False).pages[0]
            except (PdfReadError, IndexError, ValueError, KeyError) as exc:
                raise Invalid(f"Fichier pdf corrompu dans l'archive : {file_name}") from exc
