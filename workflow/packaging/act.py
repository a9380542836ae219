"""The act itself (message 1-1): checks, names, signatures, archive (PROTOCOL.md §2, §9)."""

from __future__ import annotations

from pathlib import Path

from workflow.errors import InvalidDocument, InvalidInput
from workflow.identifiers import ActNature, Classification, IDActe, TypologyCode
from workflow.packaging.objet import clean_objet, objet_limit
from workflow.packaging.values import ActInput, DocumentInput, Package, PackagingOptions
from workflow.packaging.writer import PlannedDocument, check_total_size, sign, write_package
from workflow.protocol.documents import DocumentFacts, DocumentKind, examine
from workflow.protocol.messages import Acte, ActeData, MessageCode, SignedFile
from workflow.protocol.naming import MessageStem
from workflow.signing import Signer


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
    check_total_size([act.document, *act.annexes])

    # the act's document, when it comes in one read, is kept until the archive is written
    # (at most 1 MiB per package): read once, and the bytes signed are the bytes sent
    main_facts = examine(act.document.path, field="document", keep=True)
    _check_main_kind(main_facts, act.nature, act.classification)
    main_typology = act.document.typology or act.nature.default_typology
    _check_typology(main_typology, act.nature, options, field="typologie")

    collectivite = act.collectivite
    stem = MessageStem.for_act(
        collectivite.departement, collectivite.siren, act.date, act.numero.value, act.nature
    )
    code = MessageCode.ACTE
    planned = [
        PlannedDocument(
            main_facts,
            stem.document_name(code, 1, main_facts.kind.value, main_typology),
            "document",
            main_typology,
        )
    ]
    for index, annexe in enumerate(act.annexes, start=1):
        planned.append(_plan_annexe(annexe, index, main_facts.kind, stem, code, act, options))
    given = [act.document.signature, *(a.signature for a in act.annexes)]
    planned = [sign(p, signer, g) for p, g in zip(planned, given, strict=True)]

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
    return write_package(
        collectivite,
        Acte(data),
        stem,
        code,
        planned,
        out_dir,
        options,
        id_acte=id_acte,
        objet_changes=objet_changes,
        signer_warnings=tuple(getattr(signer, "warnings", ()) or ()),
    )


def _plan_annexe(
    annexe: DocumentInput,
    index: int,
    main_kind: DocumentKind,
    stem: MessageStem,
    code: MessageCode,
    act: ActInput,
    options: PackagingOptions,
) -> PlannedDocument:
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
    return PlannedDocument(facts, name, "annexe", annexe.typology)


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
