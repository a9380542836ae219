"""Every ACTES message as a frozen value (PROTOCOL.md §2–§4, §7).

These are the typed forms of the XML messages; :mod:`workflow.protocol.xml_out` writes them and
:mod:`workflow.protocol.xml_in` reads them. Values read from outside are kept as the préfecture
wrote them where real systems are loose (an IDActe with hyphens, an anomaly ``Nature`` of ``2``
or ``ERREUR2``): the typed helpers (``id_acte_parsed``…) apply the strict rules on demand.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from workflow.identifiers import ActNature, Classification, IDActe, ascii_digits


class MessageCode(enum.Enum):
    """``<transaction type>-<subtype>`` of each business message (PROTOCOL.md §4)."""

    ACTE = "1-1"
    AR_ACTE = "1-2"
    ANOMALIE_ACTE = "1-3"
    COURRIER_SIMPLE = "2-1"
    REPONSE_COURRIER_SIMPLE = "2-2"
    DEMANDE_PIECE_COMPLEMENTAIRE = "3-1"
    AR_DEMANDE_PIECE_COMPLEMENTAIRE = "3-2"
    REFUS_PIECE_COMPLEMENTAIRE = "3-3"
    PIECE_COMPLEMENTAIRE = "3-4"
    AR_PIECE_COMPLEMENTAIRE = "3-5"
    LETTRE_OBSERVATIONS = "4-1"
    AR_LETTRE_OBSERVATIONS = "4-2"
    REJET_LETTRE_OBSERVATIONS = "4-3"
    REPONSE_LETTRE_OBSERVATIONS = "4-4"
    AR_REPONSE_REJET_LETTRE_OBSERVATIONS = "4-5"
    DEFERE_TA = "5-1"
    ANNULATION = "6-1"
    AR_ANNULATION = "6-2"
    DEMANDE_CLASSIFICATION = "7-1"
    RETOUR_CLASSIFICATION = "7-2"
    REPONSE_CLASSIFICATION_SANS_CHANGEMENT = "7-3"
    # envelopes and the envelope anomaly carry no number; these codes name them in outputs
    ENVELOPPE_CL = "enveloppe-cl"
    ENVELOPPE_MI = "enveloppe-mi"
    ANOMALIE_ENVELOPPE = "anomalie-enveloppe"

    @property
    def transaction_type(self) -> int | None:
        """The first digit (1 transmission … 7 classification); ``None`` for envelopes."""
        head = self.value.split("-")[0]
        return int(head) if ascii_digits(head) else None

    @property
    def subtype(self) -> int | None:
        tail = self.value.split("-")[-1]
        return int(tail) if ascii_digits(tail) else None


@dataclass(frozen=True, slots=True)
class SignedFile:
    """``FichierSigne``: a file name in the archive and its optional detached signature text."""

    nom_fichier: str
    signature: str | None = None


@dataclass(frozen=True, slots=True)
class ActeData:
    """``DonneesActe``: the act as sent in a 1-1 and echoed in a 1-2 / 1-3 (§2)."""

    date: dt.date
    numero: str
    nature: ActNature
    classification: Classification
    objet: str
    classification_date: dt.date | None
    document: SignedFile
    annexes: tuple[SignedFile, ...] = ()
    # None when the message has no DocumentPapier (older senders); the wire value is O/N
    # (one STELA sample writes 0). ``document_papier_raw`` keeps what was written.
    document_papier: bool | None = False
    precedent_id_acte: str | None = None
    document_papier_raw: str | None = None


@dataclass(frozen=True, slots=True)
class Acte:
    """1-1: the act transmission, CL → préfecture."""

    data: ActeData
    code = MessageCode.ACTE


@dataclass(frozen=True, slots=True)
class ARActe:
    """1-2: the accusé de réception, with the IDActe the préfecture assigns."""

    id_acte: str
    date_reception: dt.date
    acte_recu: ActeData | None
    classification_date_en_cours: dt.date | None
    code = MessageCode.AR_ACTE

    @property
    def id_acte_parsed(self) -> IDActe:
        return IDActe.parse(self.id_acte)


@dataclass(frozen=True, slots=True)
class AnomalieActe:
    """1-3: the act was refused by @CTES. ``nature`` is kept as written (``042``, ``2``…)."""

    date: dt.date
    nature: str
    detail: str | None
    acte_recu: ActeData | None
    classification_date_en_cours: dt.date | None
    code = MessageCode.ANOMALIE_ACTE


@dataclass(frozen=True, slots=True)
class CourrierPref:
    """``DonneesCourrierPref``: the act concerned and the date of the préfecture's letter."""

    id_acte: str
    date_courrier_pref: dt.date

    @property
    def id_acte_parsed(self) -> IDActe:
        return IDActe.parse(self.id_acte)


@dataclass(frozen=True, slots=True, kw_only=True)
class CourrierSimple(CourrierPref):
    """2-1: a plain letter from the préfecture."""

    document: SignedFile
    code = MessageCode.COURRIER_SIMPLE


@dataclass(frozen=True, slots=True, kw_only=True)
class ReponseCourrierSimple(CourrierPref):
    """2-2: the collectivité's answer to a courrier simple."""

    document: SignedFile
    code = MessageCode.REPONSE_COURRIER_SIMPLE


@dataclass(frozen=True, slots=True, kw_only=True)
class DemandePieceComplementaire(CourrierPref):
    """3-1: the préfet asks for additional documents (restarts the déféré deadline)."""

    description_pieces: str
    document: SignedFile
    code = MessageCode.DEMANDE_PIECE_COMPLEMENTAIRE


@dataclass(frozen=True, slots=True, kw_only=True)
class ARDemandePieceComplementaire(CourrierPref):
    """3-2: acknowledgement of a 3-1 (sent automatically)."""

    code = MessageCode.AR_DEMANDE_PIECE_COMPLEMENTAIRE


@dataclass(frozen=True, slots=True, kw_only=True)
class RefusPieceComplementaire(CourrierPref):
    """3-3: explicit refusal to send the pièces complémentaires."""

    document: SignedFile
    code = MessageCode.REFUS_PIECE_COMPLEMENTAIRE


@dataclass(frozen=True, slots=True, kw_only=True)
class PieceComplementaire(CourrierPref):
    """3-4: the pièces complémentaires themselves (1..n documents)."""

    documents: tuple[SignedFile, ...] = ()
    code = MessageCode.PIECE_COMPLEMENTAIRE


@dataclass(frozen=True, slots=True)
class ARReponseCL:
    """``ARReponseCL``: the préfecture acknowledges an answer of the collectivité."""

    date_reception: dt.date
    id_acte: str
    date_courrier_pref: dt.date


@dataclass(frozen=True, slots=True)
class ARPieceComplementaire(ARReponseCL):
    """3-5: acknowledgement of a 3-3 / 3-4."""

    code = MessageCode.AR_PIECE_COMPLEMENTAIRE


@dataclass(frozen=True, slots=True, kw_only=True)
class LettreObservations(CourrierPref):
    """4-1: the préfet's lettre d'observations (a recours gracieux; interrupts the deadline)."""

    motif: str
    document: SignedFile
    code = MessageCode.LETTRE_OBSERVATIONS


@dataclass(frozen=True, slots=True, kw_only=True)
class ARLettreObservations(CourrierPref):
    """4-2: acknowledgement of a 4-1 (sent automatically)."""

    code = MessageCode.AR_LETTRE_OBSERVATIONS


@dataclass(frozen=True, slots=True, kw_only=True)
class RejetLettreObservations(CourrierPref):
    """4-3: explicit refusal to follow the observations."""

    document: SignedFile
    code = MessageCode.REJET_LETTRE_OBSERVATIONS


@dataclass(frozen=True, slots=True, kw_only=True)
class ReponseLettreObservations(CourrierPref):
    """4-4: the collectivité's answer to the observations."""

    document: SignedFile
    code = MessageCode.REPONSE_LETTRE_OBSERVATIONS


@dataclass(frozen=True, slots=True)
class ARReponseRejetLettreObservations(ARReponseCL):
    """4-5: acknowledgement of a 4-3 / 4-4."""

    code = MessageCode.AR_REPONSE_REJET_LETTRE_OBSERVATIONS


@dataclass(frozen=True, slots=True)
class DefereTA:
    """5-1: the préfet referred the act to the tribunal administratif (no AR)."""

    id_acte: str
    date_depot: dt.date
    nature_illegalite: str
    pieces_jointes: tuple[SignedFile, ...] = ()
    code = MessageCode.DEFERE_TA


@dataclass(frozen=True, slots=True)
class Annulation:
    """6-1: the collectivité withdraws a transmitted act."""

    id_acte: str
    code = MessageCode.ANNULATION


@dataclass(frozen=True, slots=True)
class ARAnnulation:
    """6-2: acknowledgement of a 6-1."""

    id_acte: str
    date_reception: dt.date
    code = MessageCode.AR_ANNULATION


@dataclass(frozen=True, slots=True)
class DemandeClassification:
    """7-1: ask the préfecture for its current classification."""

    date_classification: dt.date | None = None
    code = MessageCode.DEMANDE_CLASSIFICATION


@dataclass(frozen=True, slots=True)
class Typology:
    """``TypePJNatureActe``: a document typology allowed for a nature."""

    code: str
    libelle: str


@dataclass(frozen=True, slots=True)
class NatureEntry:
    """``NatureActe`` of a classification, with its allowed typologies (newer XSD)."""

    code: int
    libelle: str
    type_abrege: str
    typologies: tuple[Typology, ...] = ()


@dataclass(frozen=True, slots=True)
class Matiere:
    """One node of the matières tree (``Matiere1`` … ``Matiere5``)."""

    code: int
    libelle: str
    children: tuple[Matiere, ...] = ()


@dataclass(frozen=True, slots=True)
class RetourClassification:
    """7-2: the préfecture's full classification (natures, typologies, matières)."""

    date_classification: dt.date
    natures: tuple[NatureEntry, ...]
    matieres: tuple[Matiere, ...]
    code = MessageCode.RETOUR_CLASSIFICATION

    def flatten(self) -> dict[str, str]:
        """Every code of the tree (``"8"``, ``"8.1"``, ``"7.1.2"``…) → its label."""
        out: dict[str, str] = {}

        def walk(nodes: tuple[Matiere, ...], prefix: str) -> None:
            for node in nodes:
                key = f"{prefix}{node.code}"
                out[key] = node.libelle
                walk(node.children, key + ".")

        walk(self.matieres, "")
        return out


@dataclass(frozen=True, slots=True)
class ReponseClassificationSansChangement:
    """7-3: the classification held by the collectivité is current."""

    date_classification: dt.date
    code = MessageCode.REPONSE_CLASSIFICATION_SANS_CHANGEMENT


@dataclass(frozen=True, slots=True)
class Referent:
    nom: str | None = None
    telephone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class EnveloppeCLMISILL:
    """Envelope collectivité → préfecture (§3.1)."""

    siren: str
    departement: str
    arrondissement: int
    nature: str
    adresses_retour: tuple[str, ...]
    formulaires: tuple[SignedFile, ...]
    referent: Referent | None = None
    code = MessageCode.ENVELOPPE_CL


class EmetteurKind(enum.Enum):
    SGAR = "IDSGAR"
    PREFECTURE = "IDPref"
    SOUS_PREFECTURE = "IDSousPref"


@dataclass(frozen=True, slots=True)
class EnveloppeMISILLCL:
    """Envelope préfecture → collectivité (§3.2)."""

    emetteur: EmetteurKind
    departement: str
    arrondissement: int | None
    destinataire_siren: str
    formulaires: tuple[SignedFile, ...]
    referent: Referent | None = None
    code = MessageCode.ENVELOPPE_MI


@dataclass(frozen=True, slots=True)
class AnomalieEnveloppe:
    """The envelope was refused; ``nature`` kept as written (real ones include ``999``)."""

    date: dt.date
    nature: str
    detail: str | None
    enveloppe_recue: EnveloppeCLMISILL | None
    code = MessageCode.ANOMALIE_ENVELOPPE


Message = (
    Acte
    | ARActe
    | AnomalieActe
    | CourrierSimple
    | ReponseCourrierSimple
    | DemandePieceComplementaire
    | ARDemandePieceComplementaire
    | RefusPieceComplementaire
    | PieceComplementaire
    | ARPieceComplementaire
    | LettreObservations
    | ARLettreObservations
    | RejetLettreObservations
    | ReponseLettreObservations
    | ARReponseRejetLettreObservations
    | DefereTA
    | Annulation
    | ARAnnulation
    | DemandeClassification
    | RetourClassification
    | ReponseClassificationSansChangement
    | EnveloppeCLMISILL
    | EnveloppeMISILLCL
    | AnomalieEnveloppe
)

#: messages the collectivité sends (PROTOCOL.md §4, direction CL→Pref)
OUTBOUND_CODES = frozenset(
    {
        MessageCode.ACTE,
        MessageCode.REPONSE_COURRIER_SIMPLE,
        MessageCode.AR_DEMANDE_PIECE_COMPLEMENTAIRE,
        MessageCode.REFUS_PIECE_COMPLEMENTAIRE,
        MessageCode.PIECE_COMPLEMENTAIRE,
        MessageCode.AR_LETTRE_OBSERVATIONS,
        MessageCode.REJET_LETTRE_OBSERVATIONS,
        MessageCode.REPONSE_LETTRE_OBSERVATIONS,
        MessageCode.ANNULATION,
        MessageCode.DEMANDE_CLASSIFICATION,
    }
)
