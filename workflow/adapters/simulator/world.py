"""What the simulated platform does at its front desk: accept, refuse, cancel, confirm.

It answers as S²LOW does (PROTOCOL.md §6.6, §9), with S²LOW's wording where the sources give
it: at creation only the quick checks (number, date, typology present, files posted…), then
``OK`` with the act in status 1 — or 17 when it must wait for a person, 18 for a signature.
The deeper checks run afterwards (:mod:`.validation`, from the préfecture's side,
:mod:`.prefecture`), so a client must expect a −1 minutes after an ``OK``. Archive
submission (``actes_transac_submit.php``) is gone since S²LOW 6.0 and is refused unless the
simulator plays an older platform (``archive_submission``).
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from workflow.adapters.simulator.accounts import RGS_REQUIRED, Account
from workflow.adapters.simulator.prefecture import Prefecture, acte_json
from workflow.adapters.simulator.state import SimulatorState
from workflow.adapters.simulator.uploads import Upload
from workflow.collectivite import Collectivite, Registry
from workflow.errors import ActesError, InvalidInput
from workflow.protocol import messages as m
from workflow.protocol import schemas, xml_in
from workflow.protocol.archive import ReceivedArchive
from workflow.protocol.documents import MAX_TOTAL_BYTES
from workflow.protocol.naming import parse_envelope_name

S2LOW_NUMBER = re.compile(r"^([A-Z0-9][A-Z0-9_]{0,13})?[A-Z0-9]$")
DEPRECATED = (
    "Cette fonctionnalité est déprécié : les actes se transmettent par "
    "actes_transac_create.php (S²LOW 6.0)"
)
WAITING = "La transaction n'est pas dans le statut « En attente d'être posté»"


class Refused(InvalidInput):
    """The platform's ``KO``: the message is shown to the client verbatim."""


@dataclass(frozen=True, slots=True)
class Accepted:
    transaction_id: int


class World:
    def __init__(
        self,
        state: SimulatorState,
        *,
        trigramme: str = "SLO",
        registry: Registry | None = None,
        archive_submission: bool = False,
    ) -> None:
        self.state = state
        self.trigramme = trigramme
        self.registry = registry
        self.archive_submission = archive_submission
        self.prefecture = Prefecture(state)

    def advance(self) -> None:
        """Move every act whose delay has passed; deliver letters that are due."""
        self.prefecture.advance()

    def collectivite_of(self, account: Account, posted: str = "") -> Collectivite:
        """The collectivité of the account (S²LOW knows it from the certificate). A real
        account files the act under its own collectivité whatever the act says (S²LOW builds
        the envelope from the account and has no SIREN field: posted through another
        collectivité's account, an act is silently that collectivité's). The development
        account (no SIREN) acts for the registry's collectivité named by the ``siren`` field."""
        wanted = account.siren or posted
        known = self.registry.collectivites if self.registry else ()
        found = [c for c in known if c.siren.value == wanted] if wanted else list(known)
        if len(found) != 1:
            raise Refused(
                "La collectivité du compte est inconnue du simulateur (le lancer avec --registry)"
            )
        return found[0]

    # ----------------------------------------------------------------- submission

    def submit_archive(self, upload: Upload, account: Account | None = None) -> Accepted:
        """Import a ready-made archive (pre-6.0 platforms only); store the act (status 1)."""
        if not self.archive_submission:
            raise Refused(DEPRECATED)
        if account is not None and not account.rgs:
            raise Refused(RGS_REQUIRED)
        if upload.size > MAX_TOTAL_BYTES:
            raise Refused(
                f"La taille de l'archive est trop élevée, {upload.size} octets "
                f"(maximum {MAX_TOTAL_BYTES} octets autorisés)"
            )
        with tempfile.TemporaryDirectory(dir=self.state.archives) as work:
            received = Path(work) / "received.tar.gz"
            upload.save(received)  # by chunks, beside the archives: kept by a rename
            return self._import(upload.name, received, account)

    def _import(self, name: str, data: Path, account: Account | None) -> Accepted:
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
        if account is not None and account.siren and envelope.siren != account.siren:
            raise Refused(
                f"Le SIREN de l'enveloppe ({envelope.siren}) ne correspond pas à celui de "
                "l'utilisateur authentifié"
            )
        return self.store_act(envelope.siren, envelope.departement, acte, data, account)

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
        message = xml_in.parse_message(archive.read(form), source=form)
        if not isinstance(message, m.Acte):
            raise Refused(f"Enveloppe invalide : {form} n'est pas un acte (1-1)")
        for signed in (message.data.document, *message.data.annexes):
            if signed.nom_fichier not in archive.names():
                raise Refused(
                    f"Enveloppe invalide : le fichier {signed.nom_fichier} est absent de l'archive"
                )
        return message.data, envelope

    def check_number(self, siren: str, number: str) -> None:
        """The S²LOW number rule, and uniqueness for the collectivité across every
        transaction type, errored ones included."""
        if not S2LOW_NUMBER.match(number):
            raise Refused(f"Le numéro interne {number} ne respecte pas le format attendu")
        duplicate = self.state.query(
            "SELECT id FROM transactions WHERE siren = ? AND number = ? LIMIT 1", siren, number
        )
        if duplicate:
            raise Refused(
                "Un acte portant le même numéro interne existe déjà pour cette collectivité "
                f"(transaction {duplicate[0]['id']})"
            )

    def store_act(
        self,
        siren: str,
        departement: str,
        acte: m.ActeData,
        archive: Path,
        account: Account | None,
        *,
        status: int = 1,
    ) -> Accepted:
        """Keep the act in ``status`` (1, or 17/18 when it waits) and its archive (moved into
        the archives folder); validation follows."""
        self.check_number(siren, acte.numero)
        if acte.date > self.state.today_paris():
            raise Refused("La date de décision est une date dans le futur")
        if status == 1 and account is not None and not account.may("TT"):
            status = 17  # CS without TT: a person with TT must post it
        error = None
        if self.registry is not None and siren not in self.registry:
            status = -1
            error = (
                "Enveloppe rejetée par le MI (5 : PREF-VERIF-02 : Votre numéro de SIREN "
                "n'est pas encore enregistré dans l'application ACTES)"
            )
        kept = self.state.keep_archive(archive)
        try:
            return self._insert_act(siren, departement, acte, kept, account, status, error)
        except BaseException:
            (self.state.archives / kept).unlink(missing_ok=True)  # no file without its row
            raise

    def _insert_act(
        self,
        siren: str,
        departement: str,
        acte: m.ActeData,
        archive_file: str,
        account: Account | None,
        status: int,
        error: str | None,
    ) -> Accepted:
        now = self.state.now()
        with self.state.transaction() as db:
            cursor = db.execute(
                "INSERT INTO transactions(type, siren, departement, number, nature, decision_date,"
                " subject, classification, status, status_at, created_at, error, act_data,"
                " archive_file, account) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    siren,
                    departement,
                    acte.numero,
                    acte.nature.abbrev,
                    acte.date.isoformat(),
                    acte.objet,
                    str(acte.classification),
                    status,
                    now,
                    now,
                    error,
                    json.dumps(acte_json(acte)),
                    archive_file,
                    account.login if account else None,
                ),
            )
            return Accepted(int(cursor.lastrowid or 0))

    # ----------------------------------------------------------------- after submission

    def confirm(self, transaction_id: int, account: Account) -> None:
        """``actes_transac_post_confirm_api.php``: 17 → 1 (TT right and RGS checked before)."""
        rows = self.state.query("SELECT * FROM transactions WHERE id = ?", transaction_id)
        if not rows or (account.siren and rows[0]["siren"] != account.siren):
            raise Refused("Erreur d'initialisation de la transaction.")
        if rows[0]["status"] != 17:
            raise Refused(WAITING)
        with self.state.transaction() as db:
            db.execute(
                "UPDATE transactions SET status = 1, status_at = ? WHERE id = ? AND status = 17",
                (self.state.now(), transaction_id),
            )

    def cancel(self, transaction_id: int, account: Account | None = None) -> int:
        rows = self.state.query("SELECT * FROM transactions WHERE id = ?", transaction_id)
        if not rows or rows[0]["type"] != 1:
            raise Refused("Numéro de transaction invalide.")
        if account is not None and account.siren and rows[0]["siren"] != account.siren:
            raise Refused("Accès refusé")
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
