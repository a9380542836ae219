"""What happens once the platform has an act: S²LOW's worker validates it (1 → 2, or −1),
the préfecture moves it on 2 → 3 → 4 and
answers with an ARActe (or an AnomalieActe for acts configured to be refused), acknowledges a
cancellation (6-1 → ARAnnulation), and delivers scheduled letters (2-1, 3-1, 4-1, 5-1) with
their own archive; acts leave 4 for archiving (19) after ``Delays.archiving``. Progress is
computed lazily, on each request, from the simulator's clock.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tempfile
from pathlib import Path

from workflow.adapters.simulator.state import SimulatorState, paris_day
from workflow.adapters.simulator.validation import Invalid, classification_of, validate
from workflow.identifiers import ActNature, Classification, IDActe
from workflow.protocol import messages as m
from workflow.protocol import xml_out
from workflow.protocol.archive_out import OutgoingMember, write_archive

_LETTER_TYPES = {"2-1": 2, "3-1": 3, "4-1": 4, "5-1": 5}
_LETTER_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class Prefecture:
    """The préfecture's side of the simulated world, over the simulator's state."""

    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    def advance(self) -> None:
        """Move every act whose delay has passed; deliver letters that are due. Each query
        reads the ``(status, status_at)`` index: the cost follows what is due, not the history."""
        now = self.state.now()
        delays = self.state.delays
        posted = self.state.query(
            "SELECT id, siren, status_at, message_archive, archive_file FROM transactions"
            " WHERE status = 1 AND status_at <= ? AND type = 1",
            now - delays.posted,
        )
        for row in posted:
            self._validate(row, row["status_at"] + delays.posted)
        with self.state.transaction() as db:
            db.execute(
                "UPDATE transactions SET status = 19, status_at = status_at + ?, message_xml = NULL"
                " WHERE status = 4 AND status_at <= ? AND type = 1",
                (delays.archiving, now - delays.archiving),
            )
            db.execute(
                "UPDATE transactions SET status = 3, status_at = status_at + ? "
                "WHERE status = 2 AND status_at <= ? AND type = 1",
                (delays.waiting, now - delays.waiting),
            )
            due = db.execute(
                "SELECT * FROM transactions WHERE status = 3 AND status_at <= ? AND type IN (1, 6)",
                (now - delays.transmitted,),
            ).fetchall()
        for row in due:
            if row["type"] == 1:
                self._answer_act(row, row["status_at"] + delays.transmitted)
            else:
                self._answer_cancellation(row)
        for letter in self.state.query("SELECT * FROM letters WHERE done = 0 AND due <= ?", now):
            self._deliver_letter(letter)

    def _validate(self, row: sqlite3.Row, at: float) -> None:
        """S²LOW's worker after ``OK``: 1 → 2, or 1 → −1 ``Enveloppe invalide : …``."""
        error: str | None = None
        try:
            validate(self.state.archive_of(row), classification_of(self.state, row["siren"]))
        except Invalid as invalid:
            error = f"Enveloppe invalide : {invalid}"
        status = -1 if error else 2
        with self.state.transaction() as db:
            db.execute(
                "UPDATE transactions SET status = ?, status_at = ?, error = ?"
                " WHERE id = ? AND status = 1",
                (status, at, error, row["id"]),
            )

    def _answer_act(self, row: sqlite3.Row, at: float) -> None:
        data = _acte_from_json(json.loads(row["act_data"]))
        day = paris_day(at)
        refusal = self.state.refusal_for(row["number"])
        if refusal is not None:
            xml = xml_out.to_xml(
                m.AnomalieActe(
                    day, refusal["nature"], refusal["detail"], data, data.classification_date
                )
            )
            status, error, id_acte = (
                -1,
                f"Anomalie signalee par le MI : {refusal['nature']} - {refusal['detail']}",
                None,
            )
        else:
            id_acte = _id_acte(row, data)
            xml = xml_out.to_xml(m.ARActe(id_acte, day, data, data.classification_date))
            status, error = 4, None
        with self.state.transaction() as db:
            db.execute(
                "UPDATE transactions SET status = ?, status_at = ?, message_xml = ?, error = ?,"
                " id_acte = ?, ar_xml = ? WHERE id = ? AND status = 3",
                (status, at, xml, error, id_acte, xml if status == 4 else None, row["id"]),
            )

    def _answer_cancellation(self, row: sqlite3.Row) -> None:
        act = self.state.query("SELECT * FROM transactions WHERE id = ?", row["related_id"])[0]
        xml = xml_out.to_xml(m.ARAnnulation(act["id_acte"], self.state.today_paris()))
        now = self.state.now()
        with self.state.transaction() as db:
            db.execute(
                "UPDATE transactions SET status = 4, status_at = ?, message_xml = ? WHERE id = ?",
                (now, xml, row["id"]),
            )
            db.execute(
                "UPDATE transactions SET status = 0, status_at = ? WHERE id = ?", (now, act["id"])
            )

    def _deliver_letter(self, letter: sqlite3.Row) -> None:
        act = self.state.query("SELECT * FROM transactions WHERE id = ?", letter["act_id"])[0]
        code = m.MessageCode(letter["code"])
        day = self.state.today_paris()
        id_acte = IDActe.parse(act["id_acte"])
        stem = f"{id_acte}-{code.value}"
        document = m.SignedFile(f"{stem}_1.pdf")
        text = letter["text"] or "Courrier de la préfecture"
        message: m.Message
        if code is m.MessageCode.COURRIER_SIMPLE:
            message = m.CourrierSimple(str(id_acte), day, document=document)
        elif code is m.MessageCode.DEMANDE_PIECE_COMPLEMENTAIRE:
            message = m.DemandePieceComplementaire(
                str(id_acte), day, description_pieces=text, document=document
            )
        elif code is m.MessageCode.LETTRE_OBSERVATIONS:
            message = m.LettreObservations(str(id_acte), day, motif=text, document=document)
        else:
            message = m.DefereTA(str(id_acte), day, text, (document,))
        envelope = m.EnveloppeMISILLCL(
            m.EmetteurKind.PREFECTURE,
            act["departement"],
            None,
            act["siren"],
            (m.SignedFile(f"{stem}_0.xml"),),
        )
        archive = _in_memory_archive(
            {
                f"TACT--PREF{act['departement']}-{act['siren']}-{day:%Y%m%d}-{letter['id']}.xml": xml_out.to_xml(
                    envelope
                ),
                f"{stem}_0.xml": xml_out.to_xml(message),
                document.nom_fichier: _LETTER_PDF,
            }
        )
        status = 21 if code in {m.MessageCode.COURRIER_SIMPLE, m.MessageCode.DEFERE_TA} else 7
        now = self.state.now()
        with self.state.transaction() as db:
            db.execute(
                "INSERT INTO transactions(type, siren, departement, number, nature, status, status_at,"
                " created_at, related_id, id_acte, message_xml, message_archive)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _LETTER_TYPES[code.value],
                    act["siren"],
                    act["departement"],
                    act["number"],
                    act["nature"],
                    status,
                    now,
                    now,
                    act["id"],
                    act["id_acte"],
                    xml_out.to_xml(message),
                    archive,
                ),
            )
            db.execute("UPDATE letters SET done = 1 WHERE id = ?", (letter["id"],))


def _id_acte(row: sqlite3.Row, data: m.ActeData) -> str:
    # the number segment as sent; the préfecture builds the IDActe from the act (§5)
    return (
        f"{row['departement']}-{row['siren']}-{data.date:%Y%m%d}-{data.numero}-{data.nature.abbrev}"
    )


def acte_json(data: m.ActeData) -> dict[str, object]:
    return {
        "date": data.date.isoformat(),
        "numero": data.numero,
        "nature": data.nature.abbrev,
        "classification": str(data.classification),
        "objet": data.objet,
        "classification_date": data.classification_date.isoformat()
        if data.classification_date
        else None,
        "document": data.document.nom_fichier,
        "annexes": [a.nom_fichier for a in data.annexes],
        "document_papier": bool(data.document_papier),
    }


def _acte_from_json(raw: dict[str, object]) -> m.ActeData:
    version = raw["classification_date"]
    return m.ActeData(
        date=dt.date.fromisoformat(str(raw["date"])),
        numero=str(raw["numero"]),
        nature=ActNature[str(raw["nature"])],
        classification=Classification.parse(str(raw["classification"])),
        objet=str(raw["objet"]),
        classification_date=dt.date.fromisoformat(str(version)) if version else None,
        document=m.SignedFile(str(raw["document"])),
        annexes=tuple(m.SignedFile(str(a)) for a in raw["annexes"]),  # type: ignore[attr-defined]
        document_papier=bool(raw["document_papier"]),
        document_papier_raw="O" if raw["document_papier"] else "N",
    )


def _in_memory_archive(files: dict[str, bytes]) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "message.tar.gz"
        write_archive(path, [OutgoingMember(n, d) for n, d in files.items()], mtime=0)
        return path.read_bytes()
