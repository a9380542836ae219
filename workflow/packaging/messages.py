"""The other outbound messages: answers to the préfecture's letters (2-2, 3-2, 3-3, 3-4, 4-2,
4-3, 4-4), the cancellation (6-1) and the classification request (7-1) — PROTOCOL.md §4-§7."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from workflow.collectivite import Collectivite
from workflow.errors import InvalidInput
from workflow.identifiers import IDActe
from workflow.packaging.values import DocumentInput, Package, PackagingOptions
from workflow.packaging.writer import PlannedDocument, check_total_size, sign, write_package
from workflow.protocol.documents import examine
from workflow.protocol.messages import (
    Annulation,
    ARDemandePieceComplementaire,
    ARLettreObservations,
    DemandeClassification,
    Message,
    MessageCode,
    PieceComplementaire,
    RefusPieceComplementaire,
    RejetLettreObservations,
    ReponseCourrierSimple,
    ReponseLettreObservations,
    SignedFile,
)
from workflow.protocol.naming import MessageStem
from workflow.signing import Signer

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
    check_total_size(documents)
    stem = MessageStem.for_act(
        id_acte.departement, id_acte.siren, id_acte.date, id_acte.numero, id_acte.nature
    )
    planned = []
    for index, document in enumerate(documents, start=1):
        facts = examine(document.path, field="document")
        typology = document.typology or id_acte.nature.default_typology
        name = stem.document_name(code, index, facts.kind.value, typology)
        planned.append(sign(PlannedDocument(facts, name, "document", typology), signer))
    files = tuple(SignedFile(p.name, p.signature) for p in planned)
    message: Message
    if code in _ACKNOWLEDGEMENTS:
        message = _ACKNOWLEDGEMENTS[code](str(id_acte), date_courrier_pref)
    elif code is MessageCode.PIECE_COMPLEMENTAIRE:
        message = PieceComplementaire(str(id_acte), date_courrier_pref, documents=files)
    else:
        message = _ONE_DOCUMENT_ANSWERS[code](str(id_acte), date_courrier_pref, document=files[0])
    return write_package(
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
    return write_package(
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
    return write_package(
        collectivite, message, stem, MessageCode.DEMANDE_CLASSIFICATION, [], out_dir, options
    )
