"""What the simulated platform does at its front desk: validate, accept, answer, cancel.

Validation follows what S²LOW does to an archive (PROTOCOL.md §9) and answers with S²LOW's
own wording where the sources give it. What happens next (1 → 2 → 3 → 4, the AR or the
anomaly, cancellations, letters) is the préfecture's side, :mod:`.prefecture`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from workflow.adapters.simulator.prefecture import Prefecture, acte_json
from workflow.adapters.simulator.state import SimulatorState
from workflow.collectivite import Registry
from workflow.errors import ActesError, InvalidInput
from workflow.identifiers import (
    ActNature,
    Classification,
    NumberProfile,
    NumeroInterne,
    TypologyCode,
)
from workflow.packaging import ActInput, DocumentInput, PackagingOptions, package_act
from workflow.protocol import messages as m
from workflow.protocol import schemas, xml_in
from workflow.protocol.archive import ReceivedArchive
from workflow.protocol.documents import MAX_TOTAL_BYTES
from workflow.protocol.naming import parse_envelope_name
from workflow.protocol.nomenclature import NATIONAL_VERSION

S2LOW_NUMBER = re.compile(r"^([A-Z0-9][A-Z0-9_]{0,13})?[A-Z0-9]$")


class Refused(InvalidInput):
    """The platform's ``KO``: the message is shown to the client verbatim."""


@dataclass(frozen=True, slots=True)
class Accepted:
    transaction_id: int


class World:
    def __init__(
        self, state: SimulatorState, *, trigramme: str = "SLO", registry: Registry | None = None
    ) -> None:
        self.state = state
        self.trigramme = trigramme
        self.registry = registry
        self.prefecture = Prefecture(state)

    # ----------------------------------------------------------------- submission

    def submit_archive(self, name: str, data: bytes) -> Accepted:
        """Validate an uploaded archive as a platform does; store the act (status 1)."""
        if len(data) > MAX_TOTAL_BYTES:
            raise Refused(
                f"La taille de l'archive est trop élevée, {len(data)} octets "
                f"(maximum {MAX_TOTAL_BYTES} octets autorisés)"
            )
        try:
            parsed_name = parse_envelope_name(name)
        except ActesError as exc:
            raise Refused(f"Nom d'archive invalide : {name}") from exc
        if parsed_name.trigramme != self.trigramme:
            raise Refused(
                f"Le trigramme trouvé ({parsed_name.trigramme}) ne correspond pas "
                f"au trigramme attendu ({self.trigramme})"
            )
        try:
            with ReceivedArchive.open(data, name=name) as archive:
                acte, envelope = self._read_archive(archive, parsed_name.name.xml_name)
        except Refused:
            raise
        except ActesError as exc:
            raise Refused(f"Enveloppe invalide : {exc.message}") from exc
        return self._store_act(envelope, acte, data)

    def _read_archive(
        self, archive: ReceivedArchive, envelope_name: str
    ) -> tuple[m.ActeData, m.EnveloppeCLMISILL]:
        if envelope_name not in archive.names():
            raise Refused(
                f"Enveloppe invalide : l'enveloppe {envelope_name} est absente de l'archive"
            )
        raw_envelope = archive.read(envelope_name)
        schemas.validate(raw_envelope, source=envelope_name)
        envelope = xml_in.parse_message(raw_envelope, source=envelope_name)
        if not isinstance(envelope, m.EnveloppeCLMISILL):
            raise Refused(f"Enveloppe invalide : {envelope_name} n'est pas une enveloppe")
        if not envelope.adresses_retour:
            raise Refused("pas de mail retour")
        form = envelope.formulaires[0].nom_fichier
        raw = archive.read(form)
        schemas.validate(raw, source=form)
        message = xml_in.parse_message(raw, source=form)
        if not isinstance(message, m.Acte):
            raise Refused(f"Enveloppe invalide : {form} n'est pas un acte (1-1)")
        for signed in (message.data.document, *message.data.annexes):
            self._check_document(archive, signed.nom_fichier)
        return message.data, envelope

    @staticmethod
    def _check_document(archive: ReceivedArchive, file_name: str) -> None:
        if file_name not in archive.names():
            raise Refused(f"Enveloppe invalide : le fichier {file_name} est absent de l'archive")
        prefix = file_name.split("-", 1)[0]
        if not re.fullmatch(r"[A-Z0-9_]{5}", prefix):
            raise Refused(f"Le code de la PJ doit faire 5 caractères : {file_name}")
        if file_name.lower().endswith(".pdf"):
            buffer = io.BytesIO()
            archive.copy_to(file_name, buffer)
            try:
                PdfReader(buffer, strict=False).pages[0]
            except (PdfReadError, IndexError, ValueError, KeyError) as exc:
                raise Refused(f"Fichier pdf corrompu dans l'archive : {file_name}") from exc

    def _store_act(
        self, envelope: m.EnveloppeCLMISILL, acte: m.ActeData, archive: bytes
    ) -> Accepted:
        if not S2LOW_NUMBER.match(acte.numero):
            raise Refused(f"Le numéro interne {acte.numero} ne respecte pas le format attendu")
        if acte.date > self.state.today_paris():
            raise Refused("La date de décision est une date dans le futur")
        now = self.state.now()
        status, error = 1, None
        if self.registry is not None and envelope.siren not in self.registry:
            status = -1
            error = (
                "Enveloppe rejetée par le MI (5 : PREF-VERIF-02 : Votre numéro de SIREN "
                "n'est pas encore enregistré dans l'application ACTES)"
            )
        data = json.dumps(acte_json(acte))
        with self.state.transaction() as db:
            duplicate = db.execute(
                "SELECT id FROM transactions WHERE type = 1 AND siren = ? AND number = ?",
                (envelope.siren, acte.numero),
            ).fetchone()
            if duplicate:
                raise Refused(
                    "Un acte portant le même numéro interne existe déjà pour cette collectivité "
                    f"(transaction {duplicate['id']})"
                )
            cursor = db.execute(
                "INSERT INTO transactions(type, siren, departement, number, nature, decision_date,"
                " subject, classification, status, status_at, created_at, error, act_data,"
                " message_archive) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    envelope.siren,
                    envelope.departement,
                    acte.numero,
                    acte.nature.abbrev,
                    acte.date.isoformat(),
                    acte.objet,
                    str(acte.classification),
                    status,
                    now,
                    now,
                    error,
                    data,
                    archive,
                ),
            )
            return Accepted(int(cursor.lastrowid or 0))

    def submit_form(
        self, fields: dict[str, list[str]], files: dict[str, list[tuple[str, bytes]]]
    ) -> Accepted:
        """Form mode (``actes_transac_create.php``): build the archive from the posted fields
        and files, as S²LOW does, then validate and store it like an uploaded archive.

        S²LOW knows the collectivité from the client certificate; the simulator takes it from
        its registry (``--registry``: the first collectivité listed)."""
        if self.registry is None or not self.registry.collectivites:
            raise Refused(
                "Mode formulaire : la collectivité du certificat est inconnue du simulateur "
                "(le lancer avec --registry)"
            )
        collectivite = self.registry.collectivites[0]

        def one(name: str) -> str:
            values = fields.get(name) or [""]
            return values[0].strip()

        if not files.get("acte_pdf_file"):
            raise Refused("Aucun fichier acte n'a été posté")
        if not one("type_acte"):
            raise Refused("typologie absente")
        annexes = files.get("acte_attachments[]", [])
        typologies = fields.get("type_pj[]", [])
        if len(typologies) != len(annexes):
            raise Refused(
                "Le nombre de types de pièces jointes ne correspond pas au nombre de pièces jointes"
            )
        try:
            nature = ActNature.parse(one("nature_code"), field="nature_code")
            levels = [one(f"classif{i}") for i in range(1, 6)]
            classification = Classification.parse(".".join(v for v in levels if v))
            decision_date = dt.date.fromisoformat(one("decision_date"))
        except (ValueError, ActesError) as exc:
            raise Refused(f"Formulaire invalide : {exc}") from exc
        today = self.state.today_paris()
        with tempfile.TemporaryDirectory() as work:
            folder = Path(work)

            def keep(name: str, data: bytes, index: int) -> Path:
                path = folder / f"{index:03d}-{Path(name).name or 'document'}"
                path.write_bytes(data)
                return path

            main_name, main_data = files["acte_pdf_file"][0]
            try:
                act = ActInput(
                    collectivite=collectivite,
                    numero=NumeroInterne.parse(one("number"), NumberProfile.S2LOW),
                    date=decision_date,
                    nature=nature,
                    classification=classification,
                    classification_date=NATIONAL_VERSION,
                    objet=one("subject"),
                    document=DocumentInput(
                        keep(main_name, main_data, 0), TypologyCode.parse(one("type_acte"))
                    ),
                    annexes=tuple(
                        DocumentInput(keep(name, data, i), TypologyCode.parse(typology))
                        for i, ((name, data), typology) in enumerate(
                            zip(annexes, typologies, strict=True), start=1
                        )
                    ),
                    document_papier=one("document_papier") == "1",
                )
                serial = 1 + len(
                    self.state.query(
                        "SELECT id FROM transactions WHERE created_at >= ?",
                        self.state.now() - 86400,
                    )
                )
                package = package_act(
                    act,
                    folder / "out",
                    PackagingOptions(generated_on=today, serial=serial, trigramme=self.trigramme),
                )
            except Refused:
                raise
            except ActesError as exc:
                raise Refused(exc.message) from exc
            return self.submit_archive(package.archive_name, package.archive.path.read_bytes())

    def reply(
        self,
        message_id: int,
        answer_type: int,
        files: dict[str, list[tuple[str, bytes]]],
        typologies: list[str],
    ) -> int:
        """``actes_transac_reponse_create.php``: the collectivité answers a préfecture message
        (2-1 → 2-2; 3-1 → 3-3 refusal or 3-4 sending; 4-1 → 4-3 or 4-4). Stored as a
        transaction of the message's type, transmitted at once."""
        rows = self.state.query("SELECT * FROM transactions WHERE id = ?", message_id)
        if not rows or rows[0]["type"] not in (2, 3, 4):
            raise Refused("Numéro de transaction invalide.")
        message = rows[0]
        if message["type"] in (3, 4) and answer_type not in (3, 4):
            raise Refused("Type de réponse invalide (3 : refus, 4 : envoi)")
        answering = message["type"] == 2 or answer_type == 4
        if answering and not files.get("acte_pdf_file"):
            raise Refused("Aucun fichier acte n'a été posté")
        annexes = files.get("acte_attachments[]", [])
        if len(typologies) != len(annexes):
            raise Refused(
                "Le nombre de types de pièces jointes ne correspond pas au nombre de pièces jointes"
            )
        for name, data in files.get("acte_pdf_file", []) + annexes:
            if not data.startswith(b"%PDF-"):
                raise Refused(f"Le fichier {name} n'est pas un PDF")
        with self.state.transaction() as db:
            if db.execute(
                "SELECT id FROM transactions WHERE related_id = ? AND type = ?",
                (message_id, message["type"]),
            ).fetchone():
                raise Refused("Une réponse a déjà été envoyée pour ce message")
            now = self.state.now()
            cursor = db.execute(
                "INSERT INTO transactions(type, siren, departement, number, status, status_at, created_at,"
                " related_id, id_acte, subject) VALUES (?, ?, ?, ?, 3, ?, ?, ?, ?, ?)",
                (
                    message["type"],
                    message["siren"],
                    message["departement"],
                    message["number"],
                    now,
                    now,
                    message_id,
                    message["id_acte"],
                    "refus" if answer_type == 3 and message["type"] != 2 else "réponse",
                ),
            )
            db.execute(
                "UPDATE transactions SET status = 8, status_at = ? WHERE id = ?", (now, message_id)
            )
            return int(cursor.lastrowid or 0)

    # ----------------------------------------------------------------- progression
    def advance(self) -> None:
        """Move every act whose delay has passed; deliver letters that are due."""
        self.prefecture.advance()

    def cancel(self, transaction_id: int) -> int:
        rows = self.state.query("SELECT * FROM transactions WHERE id = ?", transaction_id)
        if not rows or rows[0]["type"] != 1:
            raise Refused("Numéro de transaction invalide.")
        if rows[0]["status"] != 4:
            raise Refused(
                "Impossible d'annuler une transaction qui n'est pas en état « Acquittement reçu »"
            )
        with self.state.transaction() as db:
            pending = db.execute(
                "SELECT id FROM transactions WHERE type = 6 AND related_id = ? AND status != 4",
                (transaction_id,),
            ).fetchone()
            if pending:
                raise Refused("Une demande d'annulation est déjà en cours pour cette transaction")
            now = self.state.now()
            cursor = db.execute(
                "INSERT INTO transactions(type, siren, departement, number, nature, status, status_at,"
                " created_at, related_id, id_acte) VALUES (6, ?, ?, ?, ?, 3, ?, ?, ?, ?)",
                (
                    rows[0]["siren"],
                    rows[0]["departement"],
                    rows[0]["number"],
                    rows[0]["nature"],
                    now,
                    now,
                    transaction_id,
                    rows[0]["id_acte"],
                ),
            )
            return int(cursor.lastrowid or 0)
