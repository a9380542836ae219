"""Reading ACTES messages: XML bytes from outside → typed message values.

Everything goes through the hardened parser (:func:`workflow.protocol.xmlsafe.parse_xml`).
The reader is liberal where real préfectures and platforms are (PROTOCOL.md "Observed in
practice", samples README): IDActe kept as written (hyphens in the number), anomaly ``Nature``
kept as text (``042``, ``2``, ``ERREUR2``, ``999``),
``DocumentPapier`` missing or ``0``,
``CodeMatiere5`` right after ``CodeMatiere3``, classifications without typologies, UTF-8
with no declaration, windows-1252. UTF-8 bodies mislabelled ISO-8859-1 (the ministry
simulator's habit, §1) are not guessed at here: the platform converts them before we read
them, and a guess would corrupt genuine Latin-1 text such as « Â© ». It is strict where
meaning would be lost: a missing required element or attribute, or a date that is not a date,
is an :class:`InvalidMessage` naming the element path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from lxml import etree

from workflow.errors import InvalidIdentifier, InvalidMessage
from workflow.identifiers import ActNature, Arrondissement, Classification, ascii_digits
from workflow.protocol import messages as m
from workflow.protocol.xmlsafe import NS_ACTES, actes, insee, local_name, parse_xml

#: an integer attribute (a code, a count) never needs more; int() refuses past 4 300 digits
_MAX_INT_DIGITS = 9


def parse_message(data: bytes, *, source: str = "message") -> m.Message:
    """Parse any ACTES message or envelope into its typed value."""
    root = parse_xml(data, source=source)
    return parse_element(root, source=source)


def message_code_of(data: bytes, *, source: str = "message") -> m.MessageCode:
    root = parse_xml(data, source=source)
    return _reader(root, source)[0]


def parse_element(root: etree._Element, *, source: str = "message") -> m.Message:
    _, reader = _reader(root, source)
    return reader(_Node(root, local_name(root.tag)))


def _reader(
    root: etree._Element, source: str
) -> tuple[m.MessageCode, Callable[[_Node], m.Message]]:
    if etree.QName(root).namespace != NS_ACTES:
        raise InvalidMessage(
            f"{source}: root element {root.tag!r} is not in the ACTES namespace",
            field=source,
            rule=f"namespace {NS_ACTES}",
            value=str(root.tag),
        )
    name = local_name(root.tag)
    entry = _READERS.get(name)
    if entry is None:
        raise InvalidMessage(
            f"{source}: {name} is not an ACTES message this service knows",
            field=source,
            rule="a known ACTES root element",
            value=name,
        )
    return entry


class _Node:
    """An element with its path, for precise error messages."""

    def __init__(self, element: etree._Element, path: str) -> None:
        self.element = element
        self.path = path

    def child(self, name: str) -> _Node:
        found = self.optional(name)
        if found is None:
            raise InvalidMessage(
                f"{self.path}: required element {name} is missing",
                field=f"{self.path}/{name}",
                rule="required element",
            )
        return found

    def optional(self, name: str) -> _Node | None:
        element = self.element.find(actes(name))
        return None if element is None else _Node(element, f"{self.path}/{name}")

    def children(self, name: str) -> list[_Node]:
        return [_Node(e, f"{self.path}/{name}") for e in self.element.findall(actes(name))]

    def text(self, name: str) -> str:
        return self.child(name).own_text()

    def optional_text(self, name: str) -> str | None:
        node = self.optional(name)
        return None if node is None else node.own_text()

    def own_text(self) -> str:
        return (self.element.text or "").strip()

    def attr(self, name: str, *, namespace: Callable[[str], str] = actes) -> str:
        value = self.element.get(namespace(name))
        if value is None:
            value = self.element.get(name)  # unqualified, as some senders write it
        if value is None:
            raise InvalidMessage(
                f"{self.path}: required attribute {name} is missing",
                field=f"{self.path}/@{name}",
                rule="required attribute",
            )
        return value.strip()

    def optional_attr(self, name: str) -> str | None:
        value = self.element.get(actes(name))
        return value.strip() if value is not None else None

    def date(self, name: str) -> dt.date:
        return _to_date(self.text(name), f"{self.path}/{name}")

    def optional_date(self, name: str) -> dt.date | None:
        text = self.optional_text(name)
        return _to_date(text, f"{self.path}/{name}") if text else None

    def date_attr(self, name: str) -> dt.date:
        return _to_date(self.attr(name), f"{self.path}/@{name}")

    def int_attr(self, name: str) -> int:
        value = self.attr(name)
        if not ascii_digits(value) or len(value) > _MAX_INT_DIGITS:
            raise InvalidMessage(
                f"{self.path}/@{name}: {value!r} is not a number of at most "
                f"{_MAX_INT_DIGITS} digits 0–9",
                field=f"{self.path}/@{name}",
                rule="integer",
                value=value,
            )
        return int(value)


def _to_date(text: str, path: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidMessage(
            f"{path}: {text!r} is not a date (YYYY-MM-DD)", field=path, rule="xsd:date", value=text
        ) from exc


def _signed(node: _Node) -> m.SignedFile:
    signature = node.optional("Signature")
    text = None
    if signature is not None:
        text = "".join(str(t) for t in signature.element.itertext()).strip() or None
    return m.SignedFile(node.text("NomFichier"), text)


def _acte_data(node: _Node) -> m.ActeData:
    levels = []
    for level in range(1, 6):
        matiere = node.optional(f"CodeMatiere{level}")
        if matiere is not None:
            levels.append(matiere.int_attr("CodeMatiere"))
    try:
        classification = Classification.parse(".".join(map(str, levels)), field=node.path)
        nature = ActNature.parse(node.attr("CodeNatureActe"), field=f"{node.path}/@CodeNatureActe")
    except InvalidIdentifier as exc:
        raise InvalidMessage(exc.message, field=exc.field, rule=exc.rule, value=exc.value) from exc
    papier_raw = node.optional_text("DocumentPapier")
    precedent = node.optional("PrecedentIdentifiantActe")
    annexes = node.child("Annexes")
    return m.ActeData(
        date=node.date_attr("Date"),
        numero=node.attr("NumeroInterne"),
        nature=nature,
        classification=classification,
        objet=node.text("Objet"),
        classification_date=node.optional_date("ClassificationDateVersion"),
        document=_signed(node.child("Document")),
        annexes=tuple(_signed(a) for a in annexes.children("Annexe")),
        document_papier=None if papier_raw is None else papier_raw.upper() in {"O", "1", "OUI"},
        precedent_id_acte=precedent.attr("IDActe") if precedent is not None else None,
        document_papier_raw=papier_raw,
    )


def _referent(node: _Node) -> m.Referent | None:
    referent = node.optional("Referent")
    if referent is None:
        return None
    return m.Referent(
        referent.optional_text("Nom"),
        referent.optional_text("Telephone"),
        referent.optional_text("Email"),
    )


def _formulaires(node: _Node) -> tuple[m.SignedFile, ...]:
    return tuple(_signed(f) for f in node.child("FormulairesEnvoyes").children("Formulaire"))


def _envelope_cl(node: _Node) -> m.EnveloppeCLMISILL:
    emetteur = node.child("Emetteur")
    idcl = emetteur.child("IDCL")
    return m.EnveloppeCLMISILL(
        siren=idcl.attr("SIREN", namespace=insee),
        departement=idcl.attr("Departement"),
        arrondissement=idcl.int_attr("Arrondissement"),
        nature=idcl.attr("Nature"),
        adresses_retour=tuple(e.own_text() for e in node.child("AdressesRetour").children("Email")),
        formulaires=_formulaires(node),
        referent=_referent(emetteur),
    )


def _envelope_mi(node: _Node) -> m.EnveloppeMISILLCL:
    emetteur = node.child("Emetteur")
    for kind in m.EmetteurKind:
        sender = emetteur.optional(kind.value)
        if sender is not None:
            arrondissement = sender.optional_attr("Arrondissement")
            if arrondissement:
                arrondissement = str(Arrondissement.parse(arrondissement, field="Arrondissement"))
            return m.EnveloppeMISILLCL(
                emetteur=kind,
                departement=sender.attr("Departement"),
                arrondissement=int(arrondissement) if arrondissement else None,
                destinataire_siren=node.child("Destinataire").attr("SIREN", namespace=insee),
                formulaires=_formulaires(node),
                referent=_referent(emetteur),
            )
    raise InvalidMessage(
        f"{emetteur.path}: no IDSGAR, IDPref or IDSousPref",
        field=f"{emetteur.path}",
        rule="one sender element",
    )


def _courrier(cls: type[m.CourrierPref], node: _Node) -> m.CourrierPref:
    base = {
        "id_acte": node.attr("IDActe"),
        "date_courrier_pref": node.date_attr("DateCourrierPref"),
    }
    extra: dict[str, object] = {}
    if cls is m.DemandePieceComplementaire:
        extra["description_pieces"] = node.text("DescriptionPieces")
    if cls is m.LettreObservations:
        extra["motif"] = node.text("Motif")
    if cls is m.PieceComplementaire:
        extra["documents"] = tuple(_signed(d) for d in node.child("Documents").children("Document"))
    if "document" in getattr(cls, "__dataclass_fields__", {}):
        extra["document"] = _signed(node.child("Document"))
    return cls(**base, **extra)  # type: ignore[arg-type]


def _ar_reponse(cls: type[m.ARReponseCL], node: _Node) -> m.ARReponseCL:
    infos = node.child("InfosCourrierPref")
    return cls(
        date_reception=node.date_attr("DateReception"),
        id_acte=infos.attr("IDActe"),
        date_courrier_pref=infos.date_attr("DateCourrierPref"),
    )


def _matiere(node: _Node, level: int) -> m.Matiere:
    return m.Matiere(
        code=node.int_attr("CodeMatiere"),
        libelle=node.attr("Libelle"),
        children=tuple(_matiere(c, level + 1) for c in node.children(f"Matiere{level + 1}"))
        if level < 5
        else (),
    )


def _retour_classification(node: _Node) -> m.RetourClassification:
    natures = tuple(
        m.NatureEntry(
            code=n.int_attr("CodeNatureActe"),
            libelle=n.attr("Libelle"),
            type_abrege=n.attr("TypeAbrege"),
            typologies=tuple(
                m.Typology(t.attr("CodeTypePJ"), t.attr("Libelle"))
                for t in n.children("TypePJNatureActe")
            ),
        )
        for n in node.child("NaturesActes").children("NatureActe")
    )
    return m.RetourClassification(
        date_classification=node.date("DateClassification"),
        natures=natures,
        matieres=tuple(_matiere(n, 1) for n in node.child("Matieres").children("Matiere1")),
    )


def _ar_acte(node: _Node) -> m.ARActe:
    recu = node.children("ActeRecu")
    if len(recu) > 1 or node.optional("Acte") is not None:
        raise InvalidMessage(
            f"{node.path}: an ARActe holds exactly one ActeRecu (this one holds {len(recu)}"
            f"{' and an Acte' if node.optional('Acte') is not None else ''})",
            field=f"{node.path}/ActeRecu",
            rule="one ActeRecu, then ClassificationDateVersionEnCours",
        )
    return m.ARActe(
        id_acte=node.attr("IDActe"),
        date_reception=node.date_attr("DateReception"),
        acte_recu=_acte_data(recu[0]) if recu else None,
        classification_date_en_cours=node.optional_date("ClassificationDateVersionEnCours"),
    )


def _anomalie_acte(node: _Node) -> m.AnomalieActe:
    recu = node.optional("ActeRecu")
    return m.AnomalieActe(
        date=node.date("Date"),
        nature=node.text("Nature"),
        detail=node.optional_text("Detail"),
        acte_recu=_acte_data(recu) if recu is not None else None,
        classification_date_en_cours=node.optional_date("ClassificationDateVersionEnCours"),
    )


def _anomalie_enveloppe(node: _Node) -> m.AnomalieEnveloppe:
    recue = node.optional("EnveloppeRecue")
    return m.AnomalieEnveloppe(
        date=node.date("Date"),
        nature=node.text("Nature"),
        detail=node.optional_text("Detail"),
        enveloppe_recue=_envelope_cl(recue) if recue is not None else None,
    )


def _courrier_reader(cls: type[m.CourrierPref]) -> Callable[[_Node], m.Message]:
    return lambda node: _courrier(cls, node)  # type: ignore[return-value]


def _ar_reader(cls: type[m.ARReponseCL]) -> Callable[[_Node], m.Message]:
    return lambda node: _ar_reponse(cls, node)  # type: ignore[return-value]


_READERS: dict[str, tuple[m.MessageCode, Callable[[_Node], m.Message]]] = {
    "Acte": (m.MessageCode.ACTE, lambda n: m.Acte(_acte_data(n))),
    "ARActe": (m.MessageCode.AR_ACTE, _ar_acte),
    "AnomalieActe": (m.MessageCode.ANOMALIE_ACTE, _anomalie_acte),
    "CourrierSimple": (m.MessageCode.COURRIER_SIMPLE, _courrier_reader(m.CourrierSimple)),
    "ReponseCourrierSimple": (
        m.MessageCode.REPONSE_COURRIER_SIMPLE,
        _courrier_reader(m.ReponseCourrierSimple),
    ),
    "DemandePieceComplementaire": (
        m.MessageCode.DEMANDE_PIECE_COMPLEMENTAIRE,
        _courrier_reader(m.DemandePieceComplementaire),
    ),
    "ARDemandePieceComplementaire": (
        m.MessageCode.AR_DEMANDE_PIECE_COMPLEMENTAIRE,
        _courrier_reader(m.ARDemandePieceComplementaire),
    ),
    "RefusPieceComplementaire": (
        m.MessageCode.REFUS_PIECE_COMPLEMENTAIRE,
        _courrier_reader(m.RefusPieceComplementaire),
    ),
    "PieceComplementaire": (
        m.MessageCode.PIECE_COMPLEMENTAIRE,
        _courrier_reader(m.PieceComplementaire),
    ),
    "ARPieceComplementaire": (
        m.MessageCode.AR_PIECE_COMPLEMENTAIRE,
        _ar_reader(m.ARPieceComplementaire),
    ),
    "LettreObservations": (
        m.MessageCode.LETTRE_OBSERVATIONS,
        _courrier_reader(m.LettreObservations),
    ),
    "ARLettreObservations": (
        m.MessageCode.AR_LETTRE_OBSERVATIONS,
        _courrier_reader(m.ARLettreObservations),
    ),
    "RejetLettreObservations": (
        m.MessageCode.REJET_LETTRE_OBSERVATIONS,
        _courrier_reader(m.RejetLettreObservations),
    ),
    "ReponseLettreObservations": (
        m.MessageCode.REPONSE_LETTRE_OBSERVATIONS,
        _courrier_reader(m.ReponseLettreObservations),
    ),
    "ARReponseRejetLettreObservations": (
        m.MessageCode.AR_REPONSE_REJET_LETTRE_OBSERVATIONS,
        _ar_reader(m.ARReponseRejetLettreObservations),
    ),
    "DefereTA": (
        m.MessageCode.DEFERE_TA,
        lambda n: m.DefereTA(
            id_acte=n.attr("IDActe"),
            date_depot=n.date("DateDepot"),
            nature_illegalite=n.text("NatureIllegalite"),
            pieces_jointes=tuple(
                _signed(p) for p in (n.optional("PiecesJointes") or n).children("PieceJointe")
            ),
        ),
    ),
    "Annulation": (m.MessageCode.ANNULATION, lambda n: m.Annulation(n.attr("IDActe"))),
    "ARAnnulation": (
        m.MessageCode.AR_ANNULATION,
        lambda n: m.ARAnnulation(n.attr("IDActe"), n.date_attr("DateReception")),
    ),
    "DemandeClassification": (
        m.MessageCode.DEMANDE_CLASSIFICATION,
        lambda n: m.DemandeClassification(n.optional_date("DateClassification")),
    ),
    "RetourClassification": (m.MessageCode.RETOUR_CLASSIFICATION, _retour_classification),
    "ReponseClassificationSansChangement": (
        m.MessageCode.REPONSE_CLASSIFICATION_SANS_CHANGEMENT,
        lambda n: m.ReponseClassificationSansChangement(n.date("DateClassification")),
    ),
    "EnveloppeCLMISILL": (m.MessageCode.ENVELOPPE_CL, _envelope_cl),
    "EnveloppeMISILLCL": (m.MessageCode.ENVELOPPE_MI, _envelope_mi),
    "AnomalieEnveloppe": (m.MessageCode.ANOMALIE_ENVELOPPE, _anomalie_enveloppe),
}
