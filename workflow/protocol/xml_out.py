"""Writing ACTES messages: frozen message values → ISO-8859-1 XML bytes (PROTOCOL.md §1–§4, §7).

Elements are built with lxml and the namespace helpers, children in the exact XSD sequence,
attributes qualified (``actes:Date``) as the schema's ``attributeFormDefault`` requires. The
output is deterministic: the same value always gives the same bytes (it is hashed as evidence).

Encoding: the platform expects ISO-8859-1 with a matching declaration (§1). A character
outside Latin-1 in a text meant for people is refused with the field named — callers
transliterate first (:func:`workflow.packaging.clean_objet`) — rather than written as a
numeric character reference that some préfecture tools display raw.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from lxml import etree

from workflow.errors import InvalidMessage
from workflow.protocol.messages import (
    Acte,
    ActeData,
    Annulation,
    AnomalieActe,
    AnomalieEnveloppe,
    ARActe,
    ARAnnulation,
    ARReponseCL,
    CourrierPref,
    DefereTA,
    DemandeClassification,
    DemandePieceComplementaire,
    EnveloppeCLMISILL,
    EnveloppeMISILLCL,
    LettreObservations,
    Matiere,
    Message,
    PieceComplementaire,
    Referent,
    ReponseClassificationSansChangement,
    RetourClassification,
    SignedFile,
)
from workflow.protocol.xmlsafe import NS_ACTES, NSMAP, actes, insee

_SCHEMA_LOCATION = f"{NS_ACTES} actesv1_1.xsd"
_XSI_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"

# Root element of each message class (the message code lives on the class).
_ROOTS: dict[str, str] = {
    "1-1": "Acte",
    "1-2": "ARActe",
    "1-3": "AnomalieActe",
    "2-1": "CourrierSimple",
    "2-2": "ReponseCourrierSimple",
    "3-1": "DemandePieceComplementaire",
    "3-2": "ARDemandePieceComplementaire",
    "3-3": "RefusPieceComplementaire",
    "3-4": "PieceComplementaire",
    "3-5": "ARPieceComplementaire",
    "4-1": "LettreObservations",
    "4-2": "ARLettreObservations",
    "4-3": "RejetLettreObservations",
    "4-4": "ReponseLettreObservations",
    "4-5": "ARReponseRejetLettreObservations",
    "5-1": "DefereTA",
    "6-1": "Annulation",
    "6-2": "ARAnnulation",
    "7-1": "DemandeClassification",
    "7-2": "RetourClassification",
    "7-3": "ReponseClassificationSansChangement",
    "enveloppe-cl": "EnveloppeCLMISILL",
    "enveloppe-mi": "EnveloppeMISILLCL",
    "anomalie-enveloppe": "AnomalieEnveloppe",
}


def root_name(message: Message) -> str:
    return _ROOTS[message.code.value]


def to_xml(message: Message) -> bytes:
    """Serialise any message value to ISO-8859-1 XML bytes with an XML declaration."""
    return serialise(build(message))


def build(message: Message) -> etree._Element:
    """The message's element tree, as :func:`serialise` writes it: packaging validates this
    tree against the schema, then sends its serialisation (the bytes read back give the same
    tree, whitespace between elements aside: a test holds them equal)."""
    root = etree.Element(actes(root_name(message)), nsmap=NSMAP)
    root.set(_XSI_LOCATION, _SCHEMA_LOCATION)
    _WRITERS[type(message)](root, message)
    return root


def serialise(root: etree._Element) -> bytes:
    data = etree.tostring(root, xml_declaration=True, encoding="ISO-8859-1", pretty_print=True)
    assert isinstance(data, bytes)  # noqa: S101 - an encoding was given, lxml returns bytes
    return data


# --------------------------------------------------------------------------- helpers


def _text(value: str, field: str) -> str:
    try:
        value.encode("iso-8859-1")
    except UnicodeEncodeError as exc:
        bad = value[exc.start]
        raise InvalidMessage(
            f"{field}: character {bad!r} (U+{ord(bad):04X}) is not in ISO-8859-1",
            field=field,
            rule="ISO-8859-1 characters",
            value=value,
        ) from exc
    return value


def _child(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, actes(name))
    if text is not None:
        element.text = _text(text, name)
    return element


def _date(value: dt.date) -> str:
    return value.isoformat()


def _signed(parent: etree._Element, name: str, signed: SignedFile) -> None:
    element = _child(parent, name)
    _child(element, "NomFichier", signed.nom_fichier)
    if signed.signature is not None:
        _child(element, "Signature", signed.signature)


def _acte_data(element: etree._Element, data: ActeData) -> None:
    element.set(actes("Date"), _date(data.date))
    element.set(actes("NumeroInterne"), _text(data.numero, "NumeroInterne"))
    element.set(actes("CodeNatureActe"), str(data.nature.code))
    for level, code in enumerate(data.classification.levels, start=1):
        _child(element, f"CodeMatiere{level}").set(actes("CodeMatiere"), str(code))
    _child(element, "Objet", data.objet)
    if data.precedent_id_acte:
        _child(element, "PrecedentIdentifiantActe").set(actes("IDActe"), data.precedent_id_acte)
    if data.classification_date is not None:
        _child(element, "ClassificationDateVersion", _date(data.classification_date))
    _signed(element, "Document", data.document)
    annexes = _child(element, "Annexes")
    annexes.set(actes("Nombre"), str(len(data.annexes)))
    for annexe in data.annexes:
        _signed(annexes, "Annexe", annexe)
    if data.document_papier is not None:
        _child(element, "DocumentPapier", "O" if data.document_papier else "N")


def _courrier_attributes(element: etree._Element, message: CourrierPref) -> None:
    element.set(actes("IDActe"), message.id_acte)
    element.set(actes("DateCourrierPref"), _date(message.date_courrier_pref))


def _referent(parent: etree._Element, referent: Referent | None) -> None:
    if referent is None:
        return
    element = _child(parent, "Referent")
    for name, value in (
        ("Nom", referent.nom),
        ("Telephone", referent.telephone),
        ("Email", referent.email),
    ):
        if value is not None:
            _child(element, name, value)


def _formulaires(parent: etree._Element, files: tuple[SignedFile, ...]) -> None:
    element = _child(parent, "FormulairesEnvoyes")
    for signed in files:
        _signed(element, "Formulaire", signed)


def _envelope_cl(element: etree._Element, envelope: EnveloppeCLMISILL) -> None:
    emetteur = _child(element, "Emetteur")
    idcl = _child(emetteur, "IDCL")
    idcl.set(insee("SIREN"), envelope.siren)
    idcl.set(actes("Departement"), envelope.departement)
    idcl.set(actes("Arrondissement"), str(envelope.arrondissement))
    idcl.set(actes("Nature"), envelope.nature)
    _referent(emetteur, envelope.referent)
    retour = _child(element, "AdressesRetour")
    for address in envelope.adresses_retour:
        _child(retour, "Email", address)
    _formulaires(element, envelope.formulaires)


# --------------------------------------------------------------------------- writers


def _w_acte(root: etree._Element, message: Acte) -> None:
    _acte_data(root, message.data)


def _w_ar_acte(root: etree._Element, message: ARActe) -> None:
    root.set(actes("IDActe"), message.id_acte)
    root.set(actes("DateReception"), _date(message.date_reception))
    if message.acte_recu is not None:
        _acte_data(_child(root, "ActeRecu"), message.acte_recu)
    if message.classification_date_en_cours is not None:
        _child(
            root, "ClassificationDateVersionEnCours", _date(message.classification_date_en_cours)
        )


def _w_anomalie_acte(root: etree._Element, message: AnomalieActe) -> None:
    _child(root, "Date", _date(message.date))
    _child(root, "Nature", message.nature)
    if message.detail is not None:
        _child(root, "Detail", message.detail)
    if message.acte_recu is not None:
        _acte_data(_child(root, "ActeRecu"), message.acte_recu)
    if message.classification_date_en_cours is not None:
        _child(
            root, "ClassificationDateVersionEnCours", _date(message.classification_date_en_cours)
        )


def _w_courrier(root: etree._Element, message: CourrierPref) -> None:
    """Every ``DonneesCourrierPref`` message: attributes, then its own children in order."""
    _courrier_attributes(root, message)
    if isinstance(message, DemandePieceComplementaire):
        _child(root, "DescriptionPieces", message.description_pieces)
    if isinstance(message, LettreObservations):
        _child(root, "Motif", message.motif)
    if isinstance(message, PieceComplementaire):
        documents = _child(root, "Documents")
        for signed in message.documents:
            _signed(documents, "Document", signed)
    document = getattr(message, "document", None)
    if isinstance(document, SignedFile):
        _signed(root, "Document", document)


def _w_ar_reponse(root: etree._Element, message: ARReponseCL) -> None:
    root.set(actes("DateReception"), _date(message.date_reception))
    infos = _child(root, "InfosCourrierPref")
    infos.set(actes("IDActe"), message.id_acte)
    infos.set(actes("DateCourrierPref"), _date(message.date_courrier_pref))


def _w_defere(root: etree._Element, message: DefereTA) -> None:
    root.set(actes("IDActe"), message.id_acte)
    _child(root, "DateDepot", _date(message.date_depot))
    _child(root, "NatureIllegalite", message.nature_illegalite)
    pieces = _child(root, "PiecesJointes")
    for signed in message.pieces_jointes:
        _signed(pieces, "PieceJointe", signed)


def _w_annulation(root: etree._Element, message: Annulation) -> None:
    root.set(actes("IDActe"), message.id_acte)


def _w_ar_annulation(root: etree._Element, message: ARAnnulation) -> None:
    root.set(actes("IDActe"), message.id_acte)
    root.set(actes("DateReception"), _date(message.date_reception))


def _w_demande_classification(root: etree._Element, message: DemandeClassification) -> None:
    if message.date_classification is not None:
        _child(root, "DateClassification", _date(message.date_classification))


def _matiere(parent: etree._Element, node: Matiere, level: int) -> None:
    element = _child(parent, f"Matiere{level}")
    element.set(actes("CodeMatiere"), str(node.code))
    element.set(actes("Libelle"), _text(node.libelle, f"Matiere{level}/Libelle"))
    for child in node.children:
        _matiere(element, child, level + 1)


def _w_retour_classification(root: etree._Element, message: RetourClassification) -> None:
    _child(root, "DateClassification", _date(message.date_classification))
    natures = _child(root, "NaturesActes")
    for nature in message.natures:
        element = _child(natures, "NatureActe")
        element.set(actes("CodeNatureActe"), str(nature.code))
        element.set(actes("Libelle"), _text(nature.libelle, "NatureActe/Libelle"))
        element.set(actes("TypeAbrege"), nature.type_abrege)
        for typology in nature.typologies:
            pj = _child(element, "TypePJNatureActe")
            pj.set(actes("CodeTypePJ"), typology.code)
            pj.set(actes("Libelle"), _text(typology.libelle, "TypePJNatureActe/Libelle"))
    matieres = _child(root, "Matieres")
    for node in message.matieres:
        _matiere(matieres, node, 1)


def _w_sans_changement(root: etree._Element, message: ReponseClassificationSansChangement) -> None:
    _child(root, "DateClassification", _date(message.date_classification))


def _w_envelope_cl(root: etree._Element, message: EnveloppeCLMISILL) -> None:
    _envelope_cl(root, message)


def _w_envelope_mi(root: etree._Element, message: EnveloppeMISILLCL) -> None:
    emetteur = _child(root, "Emetteur")
    sender = _child(emetteur, message.emetteur.value)
    if message.arrondissement is not None:
        sender.set(actes("Arrondissement"), str(message.arrondissement))
    sender.set(actes("Departement"), message.departement)
    _referent(emetteur, message.referent)
    _formulaires(root, message.formulaires)
    _child(root, "Destinataire").set(insee("SIREN"), message.destinataire_siren)


def _w_anomalie_enveloppe(root: etree._Element, message: AnomalieEnveloppe) -> None:
    _child(root, "Date", _date(message.date))
    _child(root, "Nature", message.nature)
    if message.detail is not None:
        _child(root, "Detail", message.detail)
    if message.enveloppe_recue is not None:
        _envelope_cl(_child(root, "EnveloppeRecue"), message.enveloppe_recue)


def _writers() -> dict[type, Callable[[etree._Element, object], None]]:
    from workflow.protocol import messages as m

    table: dict[type, Callable[..., None]] = {
        m.Acte: _w_acte,
        m.ARActe: _w_ar_acte,
        m.AnomalieActe: _w_anomalie_acte,
        m.ARPieceComplementaire: _w_ar_reponse,
        m.ARReponseRejetLettreObservations: _w_ar_reponse,
        m.DefereTA: _w_defere,
        m.Annulation: _w_annulation,
        m.ARAnnulation: _w_ar_annulation,
        m.DemandeClassification: _w_demande_classification,
        m.RetourClassification: _w_retour_classification,
        m.ReponseClassificationSansChangement: _w_sans_changement,
        m.EnveloppeCLMISILL: _w_envelope_cl,
        m.EnveloppeMISILLCL: _w_envelope_mi,
        m.AnomalieEnveloppe: _w_anomalie_enveloppe,
    }
    for cls in (
        m.CourrierSimple,
        m.ReponseCourrierSimple,
        m.DemandePieceComplementaire,
        m.ARDemandePieceComplementaire,
        m.RefusPieceComplementaire,
        m.PieceComplementaire,
        m.LettreObservations,
        m.ARLettreObservations,
        m.RejetLettreObservations,
        m.ReponseLettreObservations,
    ):
        table[cls] = _w_courrier
    return table


_WRITERS = _writers()
