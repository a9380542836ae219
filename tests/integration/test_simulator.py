"""Client ↔ simulator over real HTTPS with client certificates (issue 4)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.support import DREUX
from workflow.adapters.pki import DevPki
from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.simulator.server import BackgroundSimulator, SimulatorOptions
from workflow.adapters.simulator.state import Delays
from workflow.errors import Rejected, TransientError
from workflow.identifiers import ActNature, Classification
from workflow.interfaces.cli.supervisor import free_port
from workflow.numbering import NumeroInterne
from workflow.packaging import ActInput, DocumentInput, PackagingOptions, package_act
from workflow.platform import PlatformConfig, PlatformStatus
from workflow.protocol import messages as m
from workflow.protocol import xml_in, xml_out
from workflow.protocol.archive import ReceivedArchive


@pytest.fixture
def simulator(pki: DevPki, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    options = SimulatorOptions(
        port=port,
        state_file=tmp_path / "sim.sqlite3",
        tls_dir=pki.directory,
        delays=Delays(5, 5, 5),
        archive_submission=True,  # these tests send archives: a pre-6.0 platform
    )
    with BackgroundSimulator(options):
        yield f"https://127.0.0.1:{port}"


@pytest.fixture
def client(simulator: str, pki: DevPki) -> Iterator[HttpPlatform]:
    config = PlatformConfig(
        base_url=simulator,
        ca_file=pki.ca_cert,
        client_cert=pki.client_cert,
        client_key=pki.client_key,
        read_timeout=10,
    )
    with HttpPlatform(config) as platform:
        yield platform


def control(client: HttpPlatform, path: str, body: dict[str, object]) -> dict[str, object]:
    config = client.config
    response = requests.post(
        config.base_url + path,
        json=body,
        timeout=10,
        verify=str(config.ca_file),
        cert=(str(config.client_cert), str(config.client_key)),
    )
    response.raise_for_status()
    result: dict[str, object] = response.json()
    return result


def _classification_with(*typologies: str) -> m.RetourClassification:
    """The simulator's default 7-2, with ``typologies`` added to every nature."""
    import dataclasses

    from workflow.adapters.simulator.validation import default_classification

    base = default_classification()
    extra = tuple(m.Typology(code, code) for code in typologies)
    natures = tuple(dataclasses.replace(n, typologies=n.typologies + extra) for n in base.natures)
    return dataclasses.replace(base, natures=natures)


def _archive(
    tmp_path: Path,
    pdf_factory: Callable[..., Path],
    number: str,
    *,
    day: dt.date | None = None,
    trigramme: str = "SLO",
) -> Path:
    day = day or dt.date.today() - dt.timedelta(days=1)
    act = ActInput(
        DREUX,
        NumeroInterne.parse(number),
        day,
        ActNature.DE,
        Classification.parse("8.1"),
        dt.date(2019, 3, 1),
        "Objet de test",
        DocumentInput(pdf_factory()),
    )
    return package_act(
        act,
        tmp_path / number,
        PackagingOptions(generated_on=max(day, dt.date.today()), trigramme=trigramme),
    ).archive.path


def test_connection_and_authentication(client: HttpPlatform, simulator: str, pki: DevPki) -> None:
    assert client.test_connection()
    assert (
        requests.get(
            simulator + "/api/test-connexion.php",
            verify=str(pki.ca_cert),
            timeout=5,
            cert=(str(pki.client_cert), str(pki.client_key)),
        ).text
        == "OK"
    )
    with (
        HttpPlatform(PlatformConfig(base_url=simulator, ca_file=pki.ca_cert)) as anonymous,
        pytest.raises(TransientError),
    ):
        anonymous.test_connection()  # no client certificate: the TLS handshake is refused
    untrusting = PlatformConfig(
        base_url=simulator, client_cert=pki.client_cert, client_key=pki.client_key
    )
    with HttpPlatform(untrusting) as platform, pytest.raises(TransientError):
        platform.test_connection()  # verification is always on: the test CA is not trusted


def test_act_goes_to_acknowledgement(
    client: HttpPlatform, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    result = client.submit_archive(_archive(tmp_path, pdf_factory, "A1"))
    assert result.attempt.http_status == 200
    assert client.get_status(result.transaction_id).status is PlatformStatus.POSTE
    control(client, "/control/advance", {"seconds": 6})
    assert (
        client.get_status(result.transaction_id).status is PlatformStatus.EN_ATTENTE_DE_TRANSMISSION
    )
    control(client, "/control/advance", {"seconds": 5})
    assert client.get_status(result.transaction_id).status is PlatformStatus.TRANSMIS
    assert [t.number for t in client.list_transactions(PlatformStatus.TRANSMIS)] == ["A1"]
    control(client, "/control/advance", {"seconds": 5})
    report = client.get_status(result.transaction_id)
    assert report.status is PlatformStatus.ACQUITTEMENT_RECU
    assert report.message_xml is not None
    ar = xml_in.parse_message(report.message_xml)
    assert isinstance(ar, m.ARActe)
    assert ar.id_acte.startswith("028-212801344-") and ar.id_acte.endswith("-A1-DE")
    assert ar.acte_recu is not None and ar.acte_recu.numero == "A1"
    by_id_acte = client.get_status(ar.id_acte, by_id_acte=True)
    assert by_id_acte.status is PlatformStatus.ACQUITTEMENT_RECU and by_id_acte.message_xml


def test_platform_refusals_are_verbatim(
    client: HttpPlatform, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    client.submit_archive(_archive(tmp_path, pdf_factory, "D1"))
    with pytest.raises(Rejected, match="même numéro interne"):
        client.submit_archive(_archive(tmp_path / "again", pdf_factory, "D1"))
    with pytest.raises(Rejected, match="trigramme"):
        client.submit_archive(_archive(tmp_path, pdf_factory, "T1", trigramme="XYZ"))
    with pytest.raises(Rejected, match="futur"):
        client.submit_archive(
            _archive(tmp_path, pdf_factory, "F1", day=dt.date.today() + dt.timedelta(days=3))
        )
    broken = tmp_path / "SLO-EACT--212801344--20240101-1.tar.gz"
    broken.write_bytes(b"not gzip")
    with pytest.raises(Rejected, match="Enveloppe invalide"):
        client.submit_archive(broken)


def test_anomaly_for_refused_acts(
    client: HttpPlatform, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    control(
        client,
        "/control/refuse",
        {"number": "R1", "nature": "042", "detail": "Classification inconnue"},
    )
    result = client.submit_archive(_archive(tmp_path, pdf_factory, "R1"))
    control(client, "/control/advance", {"seconds": 20})
    report = client.get_status(result.transaction_id)
    assert report.status is PlatformStatus.ERREUR
    assert report.error_text is not None and "042" in report.error_text


def test_prefecture_letters_and_cancellation(
    client: HttpPlatform, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    act = client.submit_archive(_archive(tmp_path, pdf_factory, "L1")).transaction_id
    control(client, "/control/advance", {"seconds": 20})
    assert client.get_status(act).status is PlatformStatus.ACQUITTEMENT_RECU
    for code in ("2-1", "3-1", "4-1", "5-1"):
        control(
            client,
            "/control/letter",
            {"transaction_id": int(act), "code": code, "text": f"lettre {code}"},
        )
    control(client, "/control/advance", {"seconds": 1})
    documents = client.list_prefecture_documents()
    assert sorted(d.type for d in documents) == [2, 3, 4, 5]
    kinds = set()
    for document in documents:
        archive = client.download_message_archive(document.id)
        with ReceivedArchive.open(archive) as received:
            message_name = next(
                n for n in received.names() if n.endswith("_0.xml") and not n.startswith("TACT")
            )
            kinds.add(type(xml_in.parse_message(received.read(message_name))))
        client.mark_document_read(document.id)
    assert kinds == {
        m.CourrierSimple,
        m.DemandePieceComplementaire,
        m.LettreObservations,
        m.DefereTA,
    }
    assert client.list_prefecture_documents() == []
    cancellation = client.cancel(act)
    with pytest.raises(Rejected, match="déjà en cours"):
        client.cancel(act)
    control(client, "/control/advance", {"seconds": 10})
    assert client.get_status(act).status is PlatformStatus.ANNULE
    ar = client.get_status(cancellation)
    assert ar.status is PlatformStatus.ACQUITTEMENT_RECU and ar.message_xml is not None
    assert isinstance(xml_in.parse_message(ar.message_xml), m.ARAnnulation)


def test_faults(client: HttpPlatform, tmp_path: Path, pdf_factory: Callable[..., Path]) -> None:
    control(client, "/control/faults", {"error_rate": 1.0})
    with pytest.raises(TransientError, match="503"):
        client.test_connection()
    control(client, "/control/faults", {"reset_rate": 1.0})
    with pytest.raises(TransientError):
        client.test_connection()
    control(client, "/control/faults", {"latency_ms": 300})
    assert client.test_connection()
    assert client.attempts[-1].duration_ms >= 300
    control(client, "/control/faults", {"lost_reply_rate": 1.0})
    archive = _archive(tmp_path, pdf_factory, "LOST1")
    with pytest.raises(TransientError, match="504"):
        client.submit_archive(archive)
    control(client, "/control/faults", {})
    (existing,) = client.find_candidates("LOST1")  # the act was stored: do not send it again
    details = client.transaction_details(existing.id)
    assert details.status is PlatformStatus.POSTE and details.message_name is None  # no proof yet
    control(client, "/control/advance", {"seconds": 30})
    details = client.transaction_details(existing.id)
    assert details.message_name is not None and "-1-1_0.xml" in details.message_name
    assert details.id_acte is not None and details.message_name.startswith(details.id_acte)
    with pytest.raises(Rejected, match="même numéro"):
        client.submit_archive(archive)  # and the platform itself refuses a duplicate


def test_paging_and_classification(
    client: HttpPlatform, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    for index in range(5):
        client.submit_archive(_archive(tmp_path, pdf_factory, f"P{index}"))
    first = client.list_transactions(PlatformStatus.POSTE, offset=0, limit=2)
    assert [t.number for t in first] == ["P4", "P3"]  # newest first, as S²LOW lists
    assert [t.number for t in client.iter_transactions(PlatformStatus.POSTE, page=2)] == [
        f"P{i}" for i in reversed(range(5))
    ]
    classification = xml_in.parse_message(client.fetch_classification())
    assert isinstance(classification, m.RetourClassification)
    assert classification.flatten()["8.1"] == "Enseignement"


def test_state_survives_a_restart(
    pki: DevPki, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    state = tmp_path / "persist.sqlite3"
    port = free_port()
    options = SimulatorOptions(
        port=port, state_file=state, tls_dir=pki.directory, archive_submission=True
    )
    config = PlatformConfig(
        base_url=f"https://127.0.0.1:{port}",
        ca_file=pki.ca_cert,
        client_cert=pki.client_cert,
        client_key=pki.client_key,
    )
    with BackgroundSimulator(options), HttpPlatform(config) as platform:
        transaction = platform.submit_archive(_archive(tmp_path, pdf_factory, "K1")).transaction_id
    with BackgroundSimulator(options), HttpPlatform(config) as platform:
        assert platform.get_status(transaction).status in {
            PlatformStatus.POSTE,
            PlatformStatus.EN_ATTENTE_DE_TRANSMISSION,
        }


def test_cli_simulator_send_and_status(tmp_path: Path, pdf_factory: Callable[..., Path]) -> None:
    """The README's path: start `actes simulator --http`, `actes send`, `actes platform-status`."""
    import subprocess
    import sys

    from workflow.interfaces.cli.supervisor import Supervisor, actes_argv, port_open, wait_until

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    archive = _archive(tmp_path, pdf_factory, "CLI1")
    registry = tmp_path / "registry.toml"  # S²LOW knows the collectivité of the account
    registry.write_text(
        '[[collectivite]]\nname = "Dreux"\nsiren = "212801344"\ndepartement = "028"\n'
        'emails = ["a@dreux.fr"]\n'
    )
    with Supervisor(tmp_path / "logs") as supervisor:
        supervisor.start(
            "simulator",
            actes_argv(
                "simulator",
                "--http",
                "--port",
                str(port),
                "--state",
                str(tmp_path / "s.sqlite3"),
                "--delay",
                "0.2",
                "--registry",
                str(registry),
            ),
        )
        wait_until(lambda: port_open(port), timeout=20, what="simulator", supervisor=supervisor)

        def run(*a):
            return subprocess.run(
                [sys.executable, "-m", "workflow.interfaces.cli.main", *a],
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )

        sent = run("send", str(archive), "--platform", url, "--json")
        assert sent.returncode == 0, sent.stderr
        transaction = json.loads(sent.stdout)["transaction_id"]
        again = run("send", str(archive), "--platform", url)
        assert again.returncode == 2
        assert "même numéro" in again.stderr
        archived = run("send", str(archive), "--mode", "archive", "--platform", url)
        assert archived.returncode == 2  # a current platform takes no archive
        assert "déprécié" in archived.stderr

        def acknowledged() -> bool:
            status = run(
                "platform-status", "--transaction", transaction, "--platform", url, "--json"
            )
            return json.loads(status.stdout)["status"] == 4

        wait_until(acknowledged, timeout=20, what="acknowledgement")
        status = json.loads(
            run("platform-status", "--transaction", transaction, "--platform", url, "--json").stdout
        )
        assert "ARActe" in status["message_xml"]


def test_replies_to_prefecture_messages(
    client: HttpPlatform, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    act = client.submit_archive(_archive(tmp_path, pdf_factory, "R1")).transaction_id
    control(client, "/control/advance", {"seconds": 20})
    for code in ("2-1", "3-1", "4-1", "5-1"):
        control(client, "/control/letter", {"transaction_id": int(act), "code": code})
    control(client, "/control/advance", {"seconds": 1})
    by_type = {d.type: d.id for d in client.list_prefecture_documents()}
    pieces = pdf_factory("Pièces complémentaires")
    answer = client.reply(by_type[3], 4, pieces, ((pdf_factory("Annexe"), "99_AU"),))
    assert answer.isdigit()
    with pytest.raises(Rejected, match="déjà été envoyée"):
        client.reply(by_type[3], 4, pieces)  # one answer per message
    with pytest.raises(Rejected, match="refusal included"):
        client.reply(by_type[4], 3)  # a refusal carries its document too (S²LOW, the XSD)
    assert client.reply(by_type[4], 3, pdf_factory("Refus motivé")).isdigit()
    with pytest.raises(Rejected, match="document"):
        client.reply(by_type[2], 4)  # an answer carries its document
    assert client.reply(by_type[2], 4, pdf_factory("Réponse")).isdigit()
    with pytest.raises(Rejected, match="Numéro de transaction invalide"):
        client.reply(by_type[5], 4, pieces)  # a déféré is not answered through the platform
    with pytest.raises(Rejected, match="Numéro de transaction invalide"):
        client.reply(str(int(by_type[5]) + 1000), 4, pieces)
    with pytest.raises(Rejected, match="Type de réponse"):
        client.reply(by_type[3], 7, pieces)


def test_form_mode_builds_the_archive_as_the_platform_does(
    pki: DevPki, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    import dataclasses

    from workflow.collectivite import Registry
    from workflow.platform import FormSubmission

    port = free_port()
    options = SimulatorOptions(
        port=port,
        state_file=tmp_path / "form.sqlite3",
        tls_dir=pki.directory,
        delays=Delays(1, 1, 1),
        registry=Registry((DREUX,)),
    )
    config = PlatformConfig(
        base_url=f"https://127.0.0.1:{port}",
        ca_file=pki.ca_cert,
        client_cert=pki.client_cert,
        client_key=pki.client_key,
    )
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    form = FormSubmission(
        nature_code=1,
        classification=(8, 1),
        number="F1",
        decision_date=yesterday,
        subject="Objet posté en mode formulaire",
        document=pdf_factory("Délibération F1"),
        document_typology="99_DE",
        annexes=((pdf_factory("Plan"), "22_AG"),),
    )
    with BackgroundSimulator(options), HttpPlatform(config) as platform:
        # the préfecture's 7-2 allows 22_AG for deliberations (typologies per nature, §7)
        requests.post(
            f"{config.base_url}/control/classification/{DREUX.siren}",
            data=xml_out.to_xml(_classification_with("22_AG")),
            timeout=10,
            verify=str(pki.ca_cert),
            cert=(str(pki.client_cert), str(pki.client_key)),
        ).raise_for_status()
        result = platform.submit_form(form)
        control(platform, "/control/advance", {"seconds": 5})
        report = platform.get_status(result.transaction_id)
        assert report.status is PlatformStatus.ACQUITTEMENT_RECU and report.message_xml
        ar = xml_in.parse_message(report.message_xml)
        assert isinstance(ar, m.ARActe) and ar.id_acte.endswith("-F1-DE")
        assert ar.acte_recu is not None and ar.acte_recu.objet == "Objet posté en mode formulaire"
        with pytest.raises(Rejected, match="typologie absente"):
            platform.submit_form(dataclasses.replace(form, number="F2", document_typology=""))
        with pytest.raises(Rejected, match="même numéro"):
            platform.submit_form(form)


def test_files_stamped_act_bordereau_and_classification_request(
    client: HttpPlatform, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    import io

    from pypdf import PdfReader

    act = client.submit_archive(_archive(tmp_path, pdf_factory, "D1")).transaction_id
    with pytest.raises(Rejected, match="Pas d'acquittement"):
        client.files(act)
    with pytest.raises(Rejected, match="redirected"):
        client.bordereau(act)  # S²LOW answers a download it cannot serve with a redirect
    control(client, "/control/advance", {"seconds": 20})
    files = client.files(act)
    assert [f.mimetype for f in files] == ["text/xml", "application/pdf"]
    assert files[0].name.endswith("-1-1_0.xml") and files[1].typology == "99_DE"
    original = client.download_file(files[1].id)
    assert original.startswith(b"%PDF-") and len(original) == files[1].size
    stamped = client.download_file(files[1].id, stamp=True, published_on=dt.date(2026, 1, 9))
    text = PdfReader(io.BytesIO(stamped)).pages[0].extract_text()
    id_acte = client.get_status(act).message_xml
    assert id_acte is not None
    ar = xml_in.parse_message(id_acte)
    assert isinstance(ar, m.ARActe)
    assert ar.id_acte in text and "Date de réception préfecture" in text and "09/01/2026" in text
    receipt = PdfReader(io.BytesIO(client.bordereau(act))).pages[0].extract_text()
    assert "Bordereau d'acquittement" in receipt and ar.id_acte in receipt
    assert client.request_classification().isdigit()
