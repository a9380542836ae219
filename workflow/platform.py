"""The transmission platform port (a "tiers de télétransmission" speaking S²LOW's API).

PROTOCOL.md §6: endpoints, ``api=1`` text replies ``OK``/``KO``, status codes −1…22.
The HTTP adapter is :mod:`workflow.adapters.platform_http`; the simulator that plays the
platform and the préfecture is :mod:`workflow.adapters.simulator`.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from workflow.signing import Secret


class PlatformStatus(enum.IntEnum):
    """S²LOW transaction status codes (PROTOCOL.md §6.4)."""

    ERREUR = -1
    ANNULE = 0
    POSTE = 1
    EN_ATTENTE_DE_TRANSMISSION = 2
    TRANSMIS = 3
    ACQUITTEMENT_RECU = 4
    VALIDE = 5
    REFUSE = 6
    DOCUMENT_RECU = 7
    ACQUITTEMENT_ENVOYE = 8
    DOCUMENT_ENVOYE = 9
    REFUS_D_ENVOI = 10
    ACQUITTEMENT_DE_DOCUMENT_RECU = 11
    ENVOYE_AU_SAE = 12
    ARCHIVE_PAR_LE_SAE = 13
    ERREUR_ARCHIVAGE = 14
    RECU_PAR_LE_SAE = 15
    DETRUITE = 16
    EN_ATTENTE_D_ETRE_POSTEE = 17
    EN_ATTENTE_D_ETRE_SIGNE = 18
    EN_ATTENTE_DE_TRANSMISSION_AU_SAE = 19
    ERREUR_ENVOI_SAE = 20
    DOCUMENT_RECU_PAS_D_AR = 21
    IMPOSSIBLE_D_ENVOYER_AU_SAE = 22


class SubmitMode(enum.Enum):
    """How acts are sent. S²LOW 6.0 removed archive submission (PROTOCOL.md §6.6): form mode
    is the default, archive mode is for a pre-6.0 platform only."""

    ARCHIVE = "archive"  # actes_transac_submit.php: the archive we built, byte for byte
    FORM = "form"  # actes_transac_create.php: metadata + files, the platform builds the archive


#: statuses of an act that was acknowledged and then moved on (validated, archived…):
#: ``get_status`` no longer carries the ARActe, ``get_ARActe`` does (PROTOCOL.md §6.6)
AFTER_ACKNOWLEDGEMENT = frozenset(
    {
        PlatformStatus.VALIDE,
        PlatformStatus.ENVOYE_AU_SAE,
        PlatformStatus.ARCHIVE_PAR_LE_SAE,
        PlatformStatus.ERREUR_ARCHIVAGE,
        PlatformStatus.RECU_PAR_LE_SAE,
        PlatformStatus.DETRUITE,
        PlatformStatus.EN_ATTENTE_DE_TRANSMISSION_AU_SAE,
        PlatformStatus.ERREUR_ENVOI_SAE,
        PlatformStatus.IMPOSSIBLE_D_ENVOYER_AU_SAE,
    }
)
#: statuses where a transaction waits for a person on the platform (never transmitted as is)
WAITING_ON_PLATFORM = frozenset(
    {PlatformStatus.EN_ATTENTE_D_ETRE_POSTEE, PlatformStatus.EN_ATTENTE_D_ETRE_SIGNE}
)


@dataclass(frozen=True, slots=True)
class PlatformConfig:
    """How to reach one platform. TLS verification is always on (``ca_file`` may be set)."""

    base_url: str
    mode: SubmitMode = SubmitMode.FORM
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    login: str | None = None
    password: Secret | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 60.0


@dataclass(frozen=True, slots=True)
class PlatformAccount:
    """The account a collectivité has on the platform (S²LOW: one per collectivité, found by
    its client certificate, with an HTTP Basic login when several accounts share the
    certificate). Paths to the secrets, never the secrets; URL and CA are the platform's."""

    siren: str
    cert: Path | None = None
    key: Path | None = None
    login: str | None = None
    password_file: Path | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One HTTP exchange, as the audit trail records it (STYLE.md #7)."""

    endpoint: str
    duration_ms: int
    http_status: int | None
    excerpt: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class SubmitResult:
    transaction_id: str
    attempt: Attempt


@dataclass(frozen=True, slots=True)
class StatusReport:
    transaction_id: str
    status: PlatformStatus
    message_xml: bytes | None = None  # the ARActe on status 4
    error_text: str | None = None  # the platform's text on status −1
    attempt: Attempt | None = None


@dataclass(frozen=True, slots=True)
class ListedTransaction:
    """A row of ``api/list_actes.php``: ``type`` is the transaction type as the platform
    writes it (``"1"`` an act, ``"2"``–``"5"`` letters and answers, ``"6"`` a cancellation,
    ``"7"`` a classification request)."""

    id: str
    number: str
    subject: str
    date: str
    status: PlatformStatus
    type: str = "1"


@dataclass(frozen=True, slots=True)
class ListingWindow:
    """Filters of ``api/list_actes.php`` (S²LOW ≥ 5.0.38): the moment the transactions
    entered the status asked (``min_date``: from that day's midnight; ``max_date``: up to
    that day's midnight, so not that day), and ``type_acte``, which S²LOW reads as an act's
    nature (``99_DE``…) and not as a transaction type (``controller/ActesAPIController.php``
    @b62b266c): a listing holds every transaction type whatever it says."""

    type_acte: str | None = None
    min_date: dt.date | None = None
    max_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """``api/info-connexion.php``: the account the client certificate (and login) opened,
    and its collectivité as the platform knows it."""

    login: str
    user_name: str
    authority_id: str
    authority_name: str
    siren: str | None
    department: str = ""
    raw: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TransactionDetails:
    """What a transaction shows of itself, to prove whose it is (lost-reply recovery)."""

    id: str
    status: PlatformStatus
    id_acte: str | None  # from its ARActe (status 4 and after)
    message_name: str | None  # its 1-1 file name, once the platform lists its files


@dataclass(frozen=True, slots=True)
class PlatformFile:
    """One file of a transaction (``actes_transac_get_files_list.php``): [0] the message XML,
    [1] the act, [2…] the annexes."""

    id: str
    name: str
    mimetype: str
    size: int
    typology: str | None


@dataclass(frozen=True, slots=True)
class PrefectureDocument:
    """An unread préfecture message (2-1, 3-1, 4-1, 5-1) listed by the platform."""

    id: str
    type: int
    related_transaction_id: str
    number: str
    unique_id: str | None
    last_status_id: int


@dataclass(frozen=True, slots=True)
class FormSubmission:
    """What form mode posts (``actes_transac_create.php``). ``siren`` is the collectivité the
    act is for: S²LOW takes it from the account and ignores the field, and so does the
    simulator (its development account, with no collectivité, uses it). The service posts it
    only through the account bound to that SIREN (``Context.platform_for``)."""

    nature_code: int
    classification: tuple[int, ...]
    number: str
    decision_date: str
    subject: str
    document: Path
    document_typology: str
    annexes: tuple[tuple[Path, str], ...] = ()
    document_signature: bytes | None = None
    annexe_signatures: tuple[bytes | None, ...] = field(default_factory=tuple)
    document_papier: bool = False
    siren: str | None = None


class TransmissionPlatform(Protocol):
    def test_connection(self) -> bool: ...

    def submit_archive(self, archive: Path) -> SubmitResult: ...

    def submit_form(self, form: FormSubmission) -> SubmitResult: ...

    def get_status(self, transaction_id: str, *, by_id_acte: bool = False) -> StatusReport: ...

    def list_transactions(
        self,
        status: PlatformStatus,
        *,
        offset: int = 0,
        limit: int = 100,
        window: ListingWindow | None = None,
    ) -> list[ListedTransaction]: ...

    def find_candidates(self, number: str) -> list[ListedTransaction]: ...

    def transaction_details(self, transaction_id: str) -> TransactionDetails: ...

    def list_prefecture_documents(self) -> list[PrefectureDocument]: ...

    def mark_document_read(self, transaction_id: str) -> None: ...

    def download_message_archive(self, transaction_id: str) -> bytes: ...

    def cancel(self, transaction_id: str) -> str: ...

    def reply(
        self,
        message_id: str,
        answer_type: int,
        document: Path | None = None,
        attachments: tuple[tuple[Path, str], ...] = (),
        typology: str = "99_AU",
    ) -> str: ...

    def fetch_classification(self) -> bytes: ...

    def request_classification(self) -> str: ...

    def files(self, transaction_id: str) -> list[PlatformFile]: ...

    def download_file(
        self,
        file_id: str,
        *,
        stamp: bool = False,
        published_on: dt.date | None = None,
    ) -> bytes: ...

    def bordereau(self, transaction_id: str) -> bytes: ...

    def confirm(self, transaction_id: str) -> None: ...

    def get_ar_acte(self, transaction_id: str) -> bytes: ...

    def connection_info(self) -> ConnectionInfo: ...
