"""Form mode, as S²LOW's pages read it: ``actes_transac_create.php`` (an act posted field by
field: the platform builds the archive) and ``actes_transac_reponse_create.php`` (the
collectivité's answer to a préfecture letter). Only the quick checks happen here; the
stored act is validated afterwards (:mod:`.validation`).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from workflow.adapters.simulator.accounts import RGS_REQUIRED, Account
from workflow.adapters.simulator.uploads import Upload
from workflow.adapters.simulator.world import Accepted, Refused, World
from workflow.errors import ActesError
from workflow.identifiers import ActNature, Classification, TypologyCode, ascii_digits
from workflow.numbering import NumberProfile, NumeroInterne
from workflow.packaging import ActInput, DocumentInput, PackagingOptions, package_act
from workflow.protocol import messages as m
from workflow.protocol import xml_in
from workflow.protocol.documents import sniff_kind
from workflow.protocol.nomenclature import NATIONAL_VERSION
from workflow.signing import MAX_SIGNATURE_BYTES, SigningError

Fields = dict[str, list[str]]
Files = dict[str, list[Upload]]
NO_FILE = "Aucun fichier acte n'a été posté"
NO_TYPOLOGY = "typologie absente"


def _one(fields: Fields, name: str) -> str:
    return (fields.get(name) or [""])[0].strip()


def _posted(files: Files, name: str) -> list[Upload]:
    return [upload for upload in files.get(name, []) if upload.name or upload.size]


def _signature(upload: Upload | None) -> bytes | None:
    """A posted signature part (bounded: past the limit, packaging refuses it), or None for
    an empty part."""
    if upload is None or not upload.size:
        return None
    return upload.head(MAX_SIGNATURE_BYTES + 1).rstrip() or None


def _check_parts(fields: Fields, files: Files) -> tuple[list[Upload], list[str]]:
    """The act's file, its typology, the annexes with one typology each, and the annexes'
    signatures index-aligned with them (an empty part for an unsigned annex)."""
    if not _posted(files, "acte_pdf_file"):
        raise Refused(NO_FILE)
    if not _one(fields, "type_acte"):
        raise Refused(NO_TYPOLOGY)
    annexes = _posted(files, "acte_attachments[]")
    typologies = fields.get("type_pj[]", [])
    if len(typologies) != len(annexes) or not all(t.strip() for t in typologies):
        raise Refused(
            "Le nombre de types de pièces jointes ne correspond pas au nombre de pièces jointes"
        )
    signatures = files.get("acte_attachments_sign[]", [])
    if signatures and len(signatures) != len(annexes):
        raise Refused(
            f"{len(signatures)} signatures d'annexes pour {len(annexes)} annexes : la signature "
            "i est celle de l'annexe i (une partie vide pour une annexe non signée)"
        )
    return annexes, typologies


def create(world: World, fields: Fields, files: Files, account: Account) -> Accepted:
    """``actes_transac_create.php``: check, build the archive as S²LOW does, store it."""
    must_sign = _one(fields, "must_signed") == "1"
    if not must_sign and not account.rgs:
        raise Refused(RGS_REQUIRED)
    annexes, typologies = _check_parts(fields, files)
    collectivite = world.collectivite_of(account, _one(fields, "siren"))
    number = _one(fields, "number")
    world.check_number(collectivite.siren.value, number)
    subject = _one(fields, "subject")
    if len(subject) > 499:
        raise Refused(f"L'objet fait {len(subject)} caractères (499 au plus)")
    if not (_one(fields, "classif1") and _one(fields, "classif2")):
        raise Refused("La classification (niveaux 1 et 2) est obligatoire")
    try:
        nature = ActNature.parse(_one(fields, "nature_code"), field="nature_code")
        levels = [_one(fields, f"classif{i}") for i in range(1, 6)]
        classification = Classification.parse(".".join(v for v in levels if v))
        decision_date = dt.date.fromisoformat(_one(fields, "decision_date"))
    except (ValueError, ActesError) as exc:
        raise Refused(f"Formulaire invalide : {exc}") from exc
    status = 18 if must_sign else 17 if _one(fields, "en_attente") == "1" else 1
    # beside the archives folder: the built archive moves there by a rename
    with tempfile.TemporaryDirectory(dir=world.state.archives) as work:
        folder = Path(work)

        def keep(upload: Upload, index: int) -> DocumentInput:
            path = folder / f"{index:03d}-{Path(upload.name).name or 'document'}"
            upload.save(path)  # by chunks
            typology = _one(fields, "type_acte") if index == 0 else typologies[index - 1]
            return DocumentInput(path, TypologyCode.parse(typology), signatures[index])

        # kept as S²LOW keeps them, text with its trailing white space removed; checked by the
        # worker after OK (validation.py): one that does not even read is refused here
        main_sign = files.get("acte_pdf_file_sign") or []
        annex_signs = files.get("acte_attachments_sign[]") or []
        signatures = [_signature(main_sign[0] if main_sign else None)]
        signatures += [
            _signature(annex_signs[i] if i < len(annex_signs) else None)
            for i in range(len(annexes))
        ]
        try:
            act = ActInput(
                collectivite=collectivite,
                numero=NumeroInterne.parse(number, NumberProfile.S2LOW),
                date=decision_date,
                nature=nature,
                classification=classification,
                classification_date=NATIONAL_VERSION,
                objet=subject,
                document=keep(_posted(files, "acte_pdf_file")[0], 0),
                annexes=tuple(keep(upload, i) for i, upload in enumerate(annexes, start=1)),
                document_papier=_one(fields, "document_papier") == "1",
            )
            today = world.state.today_paris()
            serial = 1 + world.state.envelopes_today(collectivite.siren.value)
            package = package_act(
                act,
                folder / "out",
                PackagingOptions(generated_on=today, serial=serial, trigramme=world.trigramme),
            )
        except SigningError as exc:
            raise Refused(f"La vérification de la signature a échoué : {exc.message}") from exc
        except ActesError as exc:
            raise Refused(exc.message) from exc
        acte = xml_in.parse_message(package.message_xml, source=package.message_name)
        assert isinstance(acte, m.Acte)  # noqa: S101 - we just built it
        return world.store_act(
            collectivite.siren.value,
            str(collectivite.departement),
            acte.data,
            package.archive.path,
            account,
            status=status,
        )


def reply(world: World, message_id: int, fields: Fields, files: Files, account: Account) -> int:
    """``actes_transac_reponse_create.php``: the collectivité answers a préfecture message
    (2-1 → 2-2; 3-1 → 3-3 refusal or 3-4 sending; 4-1 → 4-3 or 4-4). ``type_acte`` and a
    file are required, refusals included. Stored as a transaction of the message's type
    with its ``type_reponse`` (never listed among the préfecture's documents)."""
    rows = world.state.query("SELECT * FROM transactions WHERE id = ?", message_id)
    if not rows or rows[0]["type"] not in (2, 3, 4) or rows[0]["type_reponse"] is not None:
        raise Refused("Numéro de transaction invalide.")
    message = rows[0]
    if account.siren and message["siren"] != account.siren:
        raise Refused("Accès refusé")
    raw_type = _one(fields, "type_envoie")
    answer_type = int(raw_type) if ascii_digits(raw_type) else 0
    if message["type"] in (3, 4) and answer_type not in (3, 4):
        raise Refused("Type de réponse invalide (3 : refus, 4 : envoi)")
    if not _posted(files, "acte_pdf_file"):
        raise Refused(NO_FILE)
    if not _one(fields, "type_acte"):
        raise Refused(NO_TYPOLOGY)
    annexes = _posted(files, "acte_attachments[]")
    if len(fields.get("type_pj[]", [])) != len(annexes):
        raise Refused(
            "Le nombre de types de pièces jointes ne correspond pas au nombre de pièces jointes"
        )
    for upload in _posted(files, "acte_pdf_file") + annexes:
        if sniff_kind(upload.head(1024), upload.tail(1024)) is None:
            raise Refused(f"Fichier PDF, XML, PNG ou JPEG requis : {upload.name}")
    type_reponse = 4 if message["type"] == 2 else answer_type
    with world.state.transaction() as db:
        if db.execute(
            "SELECT id FROM transactions WHERE related_id = ? AND type = ?",
            (message_id, message["type"]),
        ).fetchone():
            raise Refused("Une réponse a déjà été envoyée pour ce message")
        now = world.state.now()
        cursor = db.execute(
            "INSERT INTO transactions(type, siren, departement, number, status, status_at, created_at,"
            " related_id, id_acte, subject, type_reponse, account)"
            " VALUES (?, ?, ?, ?, 3, ?, ?, ?, ?, ?, ?, ?)",
            (
                message["type"],
                message["siren"],
                message["departement"],
                message["number"],
                now,
                now,
                message_id,
                message["id_acte"],
                "refus" if type_reponse == 3 else "réponse",
                type_reponse,
                account.login,
            ),
        )
        db.execute(
            "UPDATE transactions SET status = 8, status_at = ? WHERE id = ?", (now, message_id)
        )
        return int(cursor.lastrowid or 0)
