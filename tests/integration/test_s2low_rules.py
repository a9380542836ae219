"""The simulator refuses what S²LOW refuses, and the client does what S²LOW needs: one test
per rule of PROTOCOL.md §6.6 not covered by the byte-level table of ``tests/conformance``,
over HTTPS with client certificates, through the use cases where a clerk would see it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from workflow.adapters.pki import DevPki
from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.s2low_wire import FilePart, multipart
from workflow.adapters.simulator.server import BackgroundSimulator, SimulatorOptions
from workflow.adapters.simulator.state import Delays, SimulatorState
from workflow.adapters.simulator.validation import default_classification
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.collectivite import Collectivite, Registry
from workflow.errors import PlatformAccessRefused, Rejected
from workflow.interfaces.cli.supervisor import free_port
from workflow.lifecycle import ActState
from workflow.platform import FormSubmission, ListingWindow, PlatformConfig, PlatformStatus
from workflow.protocol import messages as m
from workflow.protocol import xml_in
from workflow.protocol.archive import ReceivedArchive
from workflow.signing import Secret
from workflow.store import ActRecord, NewAct
from workflow.usecases import Services
from workflow.usecases.context import utc_now

DREUX = Collectivite.from_mapping(
    {"name": "Ville de Dreux", "siren": "212801344", "departement": "028", "emails": ["a@d.fr"]}
)
OBJET = "Délibération n°3 – budget 2024 €"


@dataclasses.dataclass
class World:
    url: str
    state: SimulatorState
    pki: DevPki
    services: Services
    platform: HttpPlatform

    def control(self, path: str, body: object, *, raw: bytes | None = None) -> object:
        response = requests.post(
            self.url + path,
            json=None if raw is not None else body,
            data=raw,
            timeout=10,
            verify=str(self.pki.ca_cert),
            cert=(str(self.pki.client_cert), str(self.pki.client_key)),
        )
        response.raise_for_status()
        return response.json()

    def advance(self, seconds: float = 10) -> None:
        self.control("/control/advance", {"seconds": seconds})

    def client(self, **config: object) -> HttpPlatform:
        base = PlatformConfig(
            base_url=self.url,
            ca_file=self.pki.ca_cert,
            client_cert=self.pki.client_cert,
            client_key=self.pki.client_key,
        )
        return HttpPlatform(dataclasses.replace(base, **config))  # type: ignore[arg-type]


@pytest.fixture
def world(pki: DevPki, tmp_path: Path, database_url: str) -> Iterator[World]:
    port = free_port()
    options = SimulatorOptions(
        port=port,
        state_file=tmp_path / "sim.sqlite3",
        tls_dir=pki.directory,
        delays=Delays(1, 1, 1, archiving=600),
        registry=Registry((DREUX,)),
    )
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    store = SqlStore(engine, tmp_path / "files")
    store.add_collectivite(DREUX)
    url = f"https://127.0.0.1:{port}"
    with BackgroundSimulator(options):
        simulated = World(url, SimulatorState(options.state_file), pki, None, None)  # type: ignore[arg-type]
        platform = simulated.client()
        simulated.platform = platform
        simulated.services = Services(store=store, outbox=tmp_path / "outbox", platform=platform)
        yield simulated
        platform.close()
    store.close()


def _send(world: World, pdf: Path, number: str, objet: str = "Objet", annexe: str | None = None):
    services = world.services
    documents = ((pdf, None),) + (((pdf, annexe),) if annexe else ())
    act, _ = services.submission.submit(
        NewAct(
            "212801344",
            f"k-{number}",
            number,
            number,
            dt.date.today() - dt.timedelta(days=1),
            "DE",
            "8.1",
            dt.date(2019, 3, 1),
            objet,
            documents,
        )
    )
    services.submission.package(act.id)
    return services.transmission.transmit(act.id)


def _stored_acte(world: World, transaction: str) -> m.ActeData:
    row = world.state.query("SELECT * FROM transactions WHERE id = ?", transaction)
    with ReceivedArchive.open(world.state.archive_of(row[0])) as archive:
        name = next(n for n in archive.names() if n.endswith("-1-1_0.xml"))
        message = xml_in.parse_message(archive.read(name))
    assert isinstance(message, m.Acte)
    return message.data


def _fingerprint(pki: DevPki) -> str:
    certificate = x509.load_pem_x509_certificate(pki.client_cert.read_bytes())
    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()


# ------------------------------------------------------------------ ISO-8859-1


def test_objet_arrives_in_the_stored_1_1_exactly_as_announced(
    world: World, pdf_factory: Callable[..., Path]
) -> None:
    act = _send(world, pdf_factory(), "ISO1", objet=OBJET)
    assert act.state is ActState.SUBMITTED
    announced = world.services.store.events(act.id)
    packaged = next(e for e in announced if e.to_state == "packaged")
    assert "'–' → '-'" in packaged.reason and "'€' → 'EUR'" in packaged.reason
    stored = _stored_acte(world, act.platform_ref or "")
    assert stored.objet == "Délibération n°3 - budget 2024 EUR"


def test_a_utf8_client_gets_what_s2low_stores_mojibake(
    world: World, pdf_factory: Callable[..., Path]
) -> None:
    """S²LOW reads every field as ISO-8859-1 (utf8_encode): UTF-8 bytes come out garbled."""
    fields = [
        ("api", "1"),
        ("nature_code", "1"),
        ("number", "UTF1"),
        ("decision_date", (dt.date.today() - dt.timedelta(days=1)).isoformat()),
        ("type_acte", "99_DE"),
        ("classif1", "8"),
        ("classif2", "1"),
    ]
    body, content_type = multipart(
        fields, [FilePart("acte_pdf_file", "acte.pdf", pdf_factory().read_bytes())]
    )
    subject = b'--x\r\nContent-Disposition: form-data; name="subject"\r\n\r\n'
    boundary = content_type.split("boundary=")[1]
    body = body.replace(
        f"--{boundary}--".encode(),
        subject.replace(b"--x", f"--{boundary}".encode())
        + "Délibération".encode()
        + f"\r\n--{boundary}--".encode(),
    )
    response = requests.post(
        world.url + "/modules/actes/actes_transac_create.php",
        data=body,
        headers={"Content-Type": content_type},
        timeout=10,
        verify=str(world.pki.ca_cert),
        cert=(str(world.pki.client_cert), str(world.pki.client_key)),
    )
    transaction = response.content.decode("iso-8859-1").split("\n")[1]
    assert _stored_acte(world, transaction).objet == "DÃ©libÃ©ration"


# ------------------------------------------------------------------ validation after OK


def test_typologies_per_nature_after_ok_and_before_sending(
    world: World, pdf_factory: Callable[..., Path]
) -> None:
    pdf = pdf_factory()
    act = _send(world, pdf, "TY1", annexe="22_AG")  # OK first: the platform checks later
    assert act.state is ActState.SUBMITTED
    world.advance()
    report = world.platform.get_status(act.platform_ref or "")
    assert report.status is PlatformStatus.ERREUR and report.message_xml is None
    assert report.error_text and report.error_text.startswith(
        "Enveloppe invalide : La typologie 22_AG n'est pas permise"
    )
    world.services.polling.poll()
    assert world.services.store.get_act(act.id).state is ActState.REJECTED
    # the number stays taken, errored act included
    with pytest.raises(Rejected, match="même numéro"):
        world.platform.submit_form(
            FormSubmission(1, (8, 1), "TY1", "2026-01-05", "x", pdf, "99_DE", siren="212801344")
        )
    # with the préfecture's 7-2 recorded, the client refuses before sending
    world.services.nomenclature.record("212801344", world.platform.fetch_classification())
    other, _ = world.services.submission.submit(
        NewAct(
            "212801344",
            "k-TY2",
            "TY2",
            "TY2",
            dt.date.today() - dt.timedelta(days=1),
            "DE",
            "8.1",
            dt.date(2019, 3, 1),
            "Objet",
            ((pdf, None), (pdf, "22_AG")),
        )
    )
    failed = world.services.submission.package(other.id)
    assert failed.state is ActState.FAILED
    date = default_classification().date_classification.isoformat()
    assert "22_AG" in (failed.last_error or "") and "DE" in (failed.last_error or "")
    assert date in (failed.last_error or "")


def _signature(world: World, document: Path) -> bytes:
    """A PEM detached signature of ``document`` by the development PKI's signer."""
    from workflow.adapters.pki import read_passphrase_file
    from workflow.adapters.software_signer import load_signer
    from workflow.signing import Secret

    passphrase = Secret(read_passphrase_file(world.pki.signer_passphrase))
    signer = load_signer(world.pki.signer_p12, passphrase)
    return signer.sign_detached(io.BytesIO(document.read_bytes())).pem.encode("ascii")


def test_signature_parts_are_index_aligned(world: World, pdf_factory: Callable[..., Path]) -> None:
    pdf = pdf_factory()
    form = FormSubmission(
        1,
        (8, 1),
        "SIG1",
        (dt.date.today() - dt.timedelta(days=1)).isoformat(),
        "Objet",
        pdf,
        "99_DE",
        annexes=((pdf, "99_DE"), (pdf, "99_DE")),
        annexe_signatures=(None, _signature(world, pdf)),
        siren="212801344",
    )
    assert world.platform.submit_form(form).transaction_id  # an empty part for the first
    skipping = [("api", "1"), ("nature_code", "1"), ("number", "SIG2"), ("type_acte", "99_DE")]
    skipping += [("decision_date", "2026-01-05"), ("classif1", "8"), ("classif2", "1")]
    skipping += [("subject", "x"), ("type_pj[]", "99_DE"), ("type_pj[]", "99_DE")]
    files = [FilePart("acte_pdf_file", "a.pdf", pdf.read_bytes())]
    files += [FilePart("acte_attachments[]", f"{i}.pdf", pdf.read_bytes()) for i in range(2)]
    files += [FilePart("acte_attachments_sign[]", "s.p7s", b"sig")]  # skipped the unsigned one
    body, content_type = multipart(skipping, files)
    response = requests.post(
        world.url + "/modules/actes/actes_transac_create.php",
        data=body,
        headers={"Content-Type": content_type},
        timeout=10,
        verify=str(world.pki.ca_cert),
        cert=(str(world.pki.client_cert), str(world.pki.client_key)),
    )
    assert response.content.startswith(b"KO\n1 signatures d&#039;annexes pour 2 annexes")


def test_a_signature_that_does_not_match_its_document_fails_after_ok(
    world: World, pdf_factory: Callable[..., Path]
) -> None:
    """As S²LOW's openssl check: the form is taken (OK), then the worker finds the annex's
    signature signs another file — −1 ``La vérification de la signature a échoué``; the
    same signature with its own document passes to 2."""
    act_pdf, annex, other = pdf_factory("Acte"), pdf_factory("Annexe"), pdf_factory("Autre")
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()

    def form(number: str, annex_signature: bytes) -> FormSubmission:
        return FormSubmission(
            1, (8, 1), number, day, "Objet", act_pdf, "99_DE",
            annexes=((annex, "99_AU"),),
            document_signature=_signature(world, act_pdf),
            annexe_signatures=(annex_signature,),
            siren="212801344",
        )  # fmt: skip

    wrong = world.platform.submit_form(form("SIG3", _signature(world, other))).transaction_id
    right = world.platform.submit_form(form("SIG4", _signature(world, annex))).transaction_id
    world.advance()
    refused = world.platform.get_status(wrong)
    assert refused.status is PlatformStatus.ERREUR
    assert (refused.error_text or "").startswith(
        "Enveloppe invalide : La vérification de la signature a échoué"
    ), refused.error_text
    assert "99_AU-" in (refused.error_text or "")  # names the annex's file
    assert world.platform.get_status(right).status is not PlatformStatus.ERREUR
    stored = _stored_acte(world, right)
    assert (stored.annexes[0].signature or "").startswith("-----BEGIN PKCS7-----")
    garbage = form("SIG5", b"-----BEGIN PKCS7-----\nx\n-----END PKCS7-----")
    with pytest.raises(Rejected, match="La vérification de la signature a échoué"):
        world.platform.submit_form(garbage)


# ------------------------------------------------------------------ accounts, 17/18


def test_accounts_by_certificate_rights_rgs_and_shared_login(
    world: World, pdf_factory: Callable[..., Path]
) -> None:
    mine = _fingerprint(world.pki)
    world.control(
        "/control/accounts",
        [{"login": "agent", "certificate": mine, "siren": "212801344", "rights": "CS"}],
    )
    act = _send(world, pdf_factory(), "CS1")  # CS without TT: parked in 17
    assert world.platform.get_status(act.platform_ref or "").status is PlatformStatus(17)
    report = world.services.polling.poll()
    parked = world.services.store.get_act(act.id)
    assert report.parked == (act.id,) and "17" in (parked.last_error or "")
    with pytest.raises(PlatformAccessRefused, match="Accès refusé"):
        world.services.platform_access.confirm(act.id)  # confirming needs TT
    world.control(
        "/control/accounts",
        [{"login": "tt", "certificate": mine, "siren": "212801344", "rights": "CS,TT"}],
    )
    confirmed = world.services.platform_access.confirm(act.id)
    assert not confirmed.last_error
    assert world.platform.get_status(act.platform_ref or "").status is PlatformStatus.POSTE
    check = world.services.platform_access.check("212801344")
    assert check["matches"] is True and check["login"] == "tt"
    # no RGS: creating is refused, and the act fails for a person to see (never retried)
    world.control(
        "/control/accounts",
        [{"login": "tt", "certificate": mine, "siren": "212801344", "rgs": False}],
    )
    failed = _send(world, pdf_factory(), "RGS1")
    assert failed.state is ActState.FAILED and "RGS" in (failed.last_error or "")
    # a certificate shared by two accounts: HTTP Basic login picks one
    world.control(
        "/control/accounts",
        [
            {"login": "a", "password": "pa", "certificate": mine, "siren": "212801344"},
            {"login": "b", "password": "pb", "certificate": mine, "siren": "000000018"},
        ],
    )
    with pytest.raises(PlatformAccessRefused, match="authentification"):
        world.platform.list_transactions(PlatformStatus.POSTE)
    with world.client(login="a", password=Secret(b"pa")) as logged:
        assert logged.connection_info().login == "a"
    # another collectivité's certificate: check says so
    world.control(
        "/control/accounts",
        [{"login": "other", "certificate": mine, "siren": "000000018"}],
    )
    assert world.services.platform_access.check("212801344")["matches"] is False


def test_acts_leave_status_4_and_the_ar_comes_from_get_aracte(
    world: World, pdf_factory: Callable[..., Path]
) -> None:
    act = _send(world, pdf_factory(), "ARC1")
    world.advance(10)
    world.advance(700)  # past the archiving delay: 4 → 19
    report = world.platform.get_status(act.platform_ref or "")
    assert report.status is PlatformStatus(19) and report.message_xml is None
    assert b"ARActe" in world.platform.get_ar_acte(act.platform_ref or "")
    later = Services(
        store=world.services.store,
        outbox=world.services.outbox,
        platform=world.platform,
        clock=lambda: utc_now() + dt.timedelta(days=40),
    )
    assert later.polling.poll().acknowledged == (act.id,)
    assert later.store.get_act(act.id).id_acte == f"028-212801344-{act.act_date:%Y%m%d}-ARC1-DE"


# ------------------------------------------------------------------ listings, documents


def test_listing_window_types_and_documents_without_answers(
    world: World, pdf_factory: Callable[..., Path]
) -> None:
    act = _send(world, pdf_factory(), "LW1")
    world.advance(10)
    world.control("/control/letter", {"transaction_id": int(act.platform_ref or 0), "code": "3-1"})
    world.advance(1)
    documents = world.platform.list_prefecture_documents()
    assert [(d.type, d.related_transaction_id) for d in documents] == [(3, act.platform_ref)]
    world.platform.reply(documents[0].id, 4, pdf_factory("Pièces"))
    listed = [d.id for d in world.platform.list_prefecture_documents()]
    assert listed == [documents[0].id]  # our own answer is not a préfecture document
    today = world.state.today_paris()
    window = ListingWindow(min_date=today + dt.timedelta(days=30))
    assert world.platform.list_transactions(PlatformStatus.ACQUITTEMENT_RECU, window=window) == []
    window = ListingWindow(max_date=today)  # up to today's midnight: not today
    assert world.platform.list_transactions(PlatformStatus.ACQUITTEMENT_RECU, window=window) == []
    listed = world.platform.list_transactions(
        PlatformStatus.ACQUITTEMENT_RECU, window=ListingWindow(type_acte="99_DE", min_date=today)
    )
    assert [(t.id, t.type) for t in listed] == [(act.platform_ref, "1")]


def test_a_copy_is_stamped_only_when_the_stamp_is_there(
    world: World, pdf_factory: Callable[..., Path]
) -> None:
    from pypdf import PdfReader

    act = _send(world, pdf_factory(), "ST1")
    world.advance(10)
    world.services.polling.poll()
    stamped = world.services.documents.stamped_act(act.id)
    assert act.numero in PdfReader(io.BytesIO(stamped)).pages[0].extract_text()
    world.control("/control/faults", {"stamp_fails": True})
    with pytest.raises(Rejected, match="without the préfecture's stamp"):
        world.services.documents.stamped_act(act.id)


def test_without_api_1_the_platform_redirects_to_its_web_interface(world: World) -> None:
    response = requests.get(
        world.url + "/modules/actes/api/list_actes.php",
        params={"status_id": "4"},
        timeout=10,
        verify=str(world.pki.ca_cert),
        cert=(str(world.pki.client_cert), str(world.pki.client_key)),
        allow_redirects=False,
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/?")
    page = requests.get(
        world.url + response.headers["Location"],
        timeout=10,
        verify=str(world.pki.ca_cert),
        cert=(str(world.pki.client_cert), str(world.pki.client_key)),
    )
    assert page.text.startswith("<!DOCTYPE html>")
    assert (
        json.loads(
            requests.get(
                world.url + "/api/info-connexion.php",
                timeout=10,
                verify=str(world.pki.ca_cert),
                cert=(str(world.pki.client_cert), str(world.pki.client_key)),
            ).text
        )["authority_info"]["name"]
        == "Ville de Dreux"
    )


def test_archive_mode_is_refused_by_a_current_platform(world: World, tmp_path: Path) -> None:
    archive = tmp_path / "SLO-EACT--212801344--20260105-1.tar.gz"
    archive.write_bytes(b"\x1f\x8b")
    with pytest.raises(Rejected, match="déprécié"):
        world.platform.submit_archive(archive)


def test_cli_platform_check_and_confirm(
    pki: DevPki, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    """`actes platform check` says whose the certificate is (exit 4 when not ours);
    `actes platform confirm ACT` posts an act parked in 17."""
    import os
    import subprocess
    import sys

    from workflow.adapters.wiring import build_services
    from workflow.settings import Settings

    port = free_port()
    options = SimulatorOptions(
        port=port,
        state_file=tmp_path / "sim.sqlite3",
        tls_dir=pki.directory,
        delays=Delays(1, 1, 1),
        registry=Registry((DREUX,)),
    )
    data = tmp_path / "data"
    env = {
        **os.environ,
        "ACTES_DATA_DIR": str(data),
        "ACTES_PLATFORM_URL": f"https://127.0.0.1:{port}",
        "ACTES_PLATFORM_CA": str(pki.ca_cert),
        "ACTES_PLATFORM_CERT": str(pki.client_cert),
        "ACTES_PLATFORM_KEY": str(pki.client_key),
    }
    env.pop("ACTES_DATABASE_URL", None)

    def actes(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "workflow.interfaces.cli.main", *args, "--data-dir", str(data)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=120,
        )

    with BackgroundSimulator(options):
        settings = Settings(
            data_dir=data,
            platform_url=env["ACTES_PLATFORM_URL"],
            platform_ca=pki.ca_cert,
            platform_cert=pki.client_cert,
            platform_key=pki.client_key,
        )
        services = build_services(settings, actor="test")
        services.store.add_collectivite(DREUX)
        checked = actes("platform", "check", "--json")
        assert checked.returncode == 0, checked.stderr
        assert json.loads(checked.stdout)["matches"] is True
        world = World(
            settings.platform_url or "",
            SimulatorState(options.state_file),
            pki,
            services,
            services.platform,
        )  # type: ignore[arg-type]
        mine = _fingerprint(pki)
        world.control(
            "/control/accounts",
            [{"login": "cs", "certificate": mine, "siren": "212801344", "rights": "CS"}],
        )
        act = _send(world, pdf_factory(), "CLI17")
        services.polling.poll()
        listed = actes("status")
        assert "status 17" in listed.stdout and "actes platform confirm" in listed.stdout
        world.control(
            "/control/accounts",
            [{"login": "tt", "certificate": mine, "siren": "212801344", "rights": "CS,TT"}],
        )
        confirmed = actes("platform", "confirm", str(act.id))
        assert confirmed.returncode == 0, confirmed.stderr
        assert "17 → 1" in confirmed.stdout
        world.control(
            "/control/accounts", [{"login": "x", "certificate": mine, "siren": "000000018"}]
        )
        other = actes("platform", "check")
        assert other.returncode == 4 and "is NOT" in other.stdout
        services.close()


def test_a_signature_given_at_intake_reaches_the_platform_and_passes_its_check(
    world: World, pdf_factory: Callable[..., Path], tmp_path: Path
) -> None:
    """From the store to S²LOW: the signature recorded with the act is posted as
    ``acte_pdf_file_sign`` (PEM), stored in the platform's 1-1, and the worker's check
    passes (status 2, not −1)."""
    pdf = pdf_factory("Délibération signée")
    signature = tmp_path / "act.p7s"
    signature.write_bytes(_signature(world, pdf))
    services = world.services
    sha, _ = services.store.store_file(signature)
    act, _ = services.submission.submit(
        NewAct(
            "212801344", "k-SIG6", "SIG6", "SIG6", dt.date.today() - dt.timedelta(days=1),
            "DE", "8.1", dt.date(2019, 3, 1), "Objet", ((pdf, None),), signatures=(sha,),
        )
    )  # fmt: skip
    services.submission.package(act.id)
    sent = services.transmission.transmit(act.id)
    assert sent.state is ActState.SUBMITTED, sent.last_error
    world.advance()
    status = world.platform.get_status(sent.platform_ref or "")
    assert status.status is not PlatformStatus.ERREUR, status.error_text
    stored = _stored_acte(world, sent.platform_ref or "")
    assert stored.document.signature == signature.read_text().strip()


def _envelope_serial(world: World, act: ActRecord) -> int:
    row = world.state.query("SELECT * FROM transactions WHERE id = ?", act.platform_ref)
    with ReceivedArchive.open(world.state.archive_of(row[0])) as archive:
        envelope = next(n for n in archive.names() if "--" in n and n.endswith(".xml"))
    return int(envelope.rsplit("-", 1)[1].removesuffix(".xml"))


def test_the_envelope_serial_counts_the_collectivites_envelopes_of_its_day(
    world: World, pdf_factory: Callable[..., Path]
) -> None:
    """PROTOCOL.md §3.1: the serial S²LOW gives the archive it builds is a counter per
    authority, reset every day (the first of the day is 1) — not the platform's transactions
    of the last 24 hours, which would refuse a busy département's 10 000th act of a day."""
    first, second = _send(world, pdf_factory(), "SER1"), _send(world, pdf_factory(), "SER2")
    assert [_envelope_serial(world, a) for a in (first, second)] == [1, 2]
    with world.state.transaction() as db:  # another collectivité's envelopes do not count
        now = world.state.now()
        other = db.execute(
            "INSERT INTO transactions(type, siren, status, status_at, created_at)"
            " VALUES (1, '213105554', 1, ?, ?)",
            (now, now),
        ).lastrowid
    assert _envelope_serial(world, _send(world, pdf_factory(), "SER3")) == 3
    with world.state.transaction() as db:  # (it has no archive for the préfecture to check)
        db.execute("DELETE FROM transactions WHERE id = ?", (other,))
    world.state.advance_clock(24 * 3600)  # the next day: counted again from 1
    assert _envelope_serial(world, _send(world, pdf_factory(), "SER4")) == 1
