"""One platform account per collectivité: an act is never attached to another collectivité's
transaction.

S²LOW files an act under the collectivité of the account that posts it, whatever the act says
(it builds the envelope from the account): the simulator does the same, so these tests show
each act landing in its own account, what a wrong account would do (the act filed under the
other SIREN), and that the service never lets that happen.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from workflow.adapters.checkup import doctor
from workflow.adapters.pki import DevPki, make_certificate
from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.simulator.server import BackgroundSimulator, SimulatorOptions
from workflow.adapters.simulator.state import Delays, SimulatorState
from workflow.adapters.store.engine import make_engine, upgrade_to_head
from workflow.adapters.store.repository import SqlStore
from workflow.adapters.wiring import build_account_platform, build_services
from workflow.collectivite import Collectivite, Registry
from workflow.errors import ConfigurationError, NoPlatformAccount
from workflow.interfaces.cli.supervisor import free_port
from workflow.lifecycle import ActState
from workflow.ops.findings import Severity, exit_code, ok
from workflow.platform import PlatformAccount, PlatformConfig
from workflow.problems import ProblemCode
from workflow.settings import Settings
from workflow.signing import Secret
from workflow.store import NewAct
from workflow.usecases import Services

A = Collectivite.from_mapping(
    {"name": "Dreux", "siren": "212801344", "departement": "028", "emails": ["a@dreux.fr"]}
)
B = Collectivite.from_mapping(
    {"name": "Chartres", "siren": "212800858", "departement": "028", "emails": ["b@chartres.fr"]}
)


@dataclasses.dataclass
class Platform:
    """The simulator with two accounts sharing the client certificate (HTTP Basic picks
    one, PROTOCOL.md §6.6): ``dreux`` is A's, ``chartres`` is B's."""

    url: str
    pki: DevPki
    state: SimulatorState
    settings: Settings
    store: SqlStore
    passwords: dict[str, Path]

    def account(self, collectivite: Collectivite, login: str) -> PlatformAccount:
        return PlatformAccount(
            collectivite.siren.value,
            self.pki.client_cert,
            self.pki.client_key,
            login,
            self.passwords[login],
        )

    def services(self, *, platform: HttpPlatform | None = None, siren: str | None = None):
        return Services(
            store=self.store,
            outbox=self.passwords["dreux"].parent / "outbox",
            platform=platform,
            platform_siren=siren,
            account_client=functools.partial(build_account_platform, self.settings),
        )

    def client(self, login: str) -> HttpPlatform:
        return HttpPlatform(
            PlatformConfig(
                base_url=self.url,
                ca_file=self.pki.ca_cert,
                client_cert=self.pki.client_cert,
                client_key=self.pki.client_key,
                login=login,
                password=Secret(self.passwords[login].read_text().strip().encode()),
            )
        )

    def advance(self, seconds: float = 5) -> None:
        self._control("/control/advance", {"seconds": seconds})

    def _control(self, path: str, body: object) -> None:
        requests.post(
            self.url + path,
            json=body,
            timeout=10,
            verify=str(self.pki.ca_cert),
            cert=(str(self.pki.client_cert), str(self.pki.client_key)),
            auth=("dreux", "s3cret-dreux"),
        ).raise_for_status()

    def filed(self) -> dict[str, tuple[str, str]]:
        """Each act transaction: (the SIREN it is filed under, the login that posted it)."""
        rows = self.state.query("SELECT id, siren, account FROM transactions WHERE type = 1")
        return {str(r["id"]): (r["siren"], r["account"]) for r in rows}


def _fingerprint(pki: DevPki) -> str:
    certificate = x509.load_pem_x509_certificate(pki.client_cert.read_bytes())
    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()


@contextlib.contextmanager
def _simulated(pki: DevPki, tmp_path: Path, database_url: str) -> Iterator[Platform]:
    port = free_port()
    options = SimulatorOptions(
        port=port,
        state_file=tmp_path / "sim.sqlite3",
        tls_dir=pki.directory,
        delays=Delays(1, 1, 1),
        registry=Registry((A, B)),
    )
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    store = SqlStore(engine, tmp_path / "files")
    store.add_collectivite(A)
    store.add_collectivite(B)
    passwords = {}
    for login, password in (("dreux", "s3cret-dreux"), ("chartres", "s3cret-chartres")):
        passwords[login] = tmp_path / f"{login}.password"
        passwords[login].write_text(password + "\n")
    url = f"https://127.0.0.1:{port}"
    settings = Settings(data_dir=tmp_path, platform_url=url, platform_ca=pki.ca_cert)
    with BackgroundSimulator(options):
        platform = Platform(
            url, pki, SimulatorState(options.state_file), settings, store, passwords
        )
        mine = _fingerprint(pki)
        platform._control(
            "/control/accounts",
            [
                {
                    "login": "dreux",
                    "password": "s3cret-dreux",
                    "certificate": mine,
                    "siren": A.siren.value,
                },
                {
                    "login": "chartres",
                    "password": "s3cret-chartres",
                    "certificate": mine,
                    "siren": B.siren.value,
                },
            ],
        )
        yield platform
    store.close()


@pytest.fixture
def sim(pki: DevPki, tmp_path: Path, database_url: str) -> Iterator[Platform]:
    with _simulated(pki, tmp_path, database_url) as platform:
        yield platform


@pytest.fixture
def sim_cli(pki: DevPki, tmp_path: Path) -> Iterator[Platform]:
    """The command line keeps its own store (SQLite in its data directory)."""
    with _simulated(pki, tmp_path, f"sqlite:///{tmp_path / 'store.sqlite3'}") as platform:
        yield platform


def _packaged(services: Services, pdf: Path, collectivite: Collectivite, objet: str) -> int:
    siren = collectivite.siren.value
    act, _ = services.submission.submit(
        NewAct(
            siren,
            f"key-{siren}",
            "DEL2026_001",
            "DEL2026_001",
            dt.date(2026, 1, 5),
            "DE",
            "8.1",
            dt.date(2019, 3, 1),
            objet,
            ((pdf, None),),
        )
    )
    services.submission.package(act.id)
    return act.id


def test_each_act_lands_in_its_own_account_and_is_followed_there(
    sim: Platform, pdf_factory: Callable[..., Path]
) -> None:
    sim.store.bind_platform_account(sim.account(A, "dreux"), at=dt.datetime.now(dt.UTC))
    sim.store.bind_platform_account(sim.account(B, "chartres"), at=dt.datetime.now(dt.UTC))
    services = sim.services()
    a_id = _packaged(services, pdf_factory(), A, "Budget primitif")
    b_id = _packaged(services, pdf_factory(), B, "Tarifs de la cantine")
    a = services.transmission.transmit(a_id)
    b = services.transmission.transmit(b_id)
    assert a.state is b.state is ActState.SUBMITTED
    filed = sim.filed()
    assert filed[a.platform_ref or ""] == (A.siren.value, "dreux")
    assert filed[b.platform_ref or ""] == (B.siren.value, "chartres")
    sim.advance()
    report = services.polling.poll()  # one poll, one listing pass per account
    assert sorted(report.acknowledged) == sorted([a_id, b_id])
    for act_id, collectivite in ((a_id, A), (b_id, B)):
        acknowledged = services.store.get_act(act_id)
        assert acknowledged.state is ActState.ACKNOWLEDGED
        assert (acknowledged.id_acte or "").split("-")[1] == collectivite.siren.value
        cursor = services.store.poll_cursor(f"platform:{collectivite.siren.value}")
        assert cursor is not None
    assert services.store.poll_cursor("platform") is None  # no global account here
    # recovery looks for an act's earlier attempt in its own account: A's is not there
    listed = services.platform_for(B.siren.value).find_candidates("DEL2026_001")
    assert [t.id for t in listed] == [b.platform_ref]
    checked = {r["siren"]: r for r in services.platform_access.check_all()}
    assert checked[A.siren.value]["login"] == "dreux" and checked[A.siren.value]["matches"]
    assert checked[B.siren.value]["login"] == "chartres" and checked[B.siren.value]["matches"]
    services.close()


def test_a_wrong_account_files_the_act_under_its_own_collectivite(
    sim: Platform, pdf_factory: Callable[..., Path]
) -> None:
    """The old behaviour, a single account for every collectivité: B's act posted with A's
    account is filed under A, with no error (as S²LOW does)."""
    with sim.client("dreux") as a_account:
        services = sim.services(platform=a_account)  # the global account, bound to nobody
        b_id = _packaged(services, pdf_factory(), B, "Tarifs de la cantine")
        b = services.transmission.transmit(b_id)
    assert b.state is ActState.SUBMITTED
    assert sim.filed()[b.platform_ref or ""] == (A.siren.value, "dreux")  # under A!


def test_an_act_without_its_account_is_not_sent_and_says_why(
    sim: Platform, pdf_factory: Callable[..., Path]
) -> None:
    with sim.client("dreux") as a_account:
        services = sim.services(platform=a_account, siren=A.siren.value)
        b_id = _packaged(services, pdf_factory(), B, "Tarifs de la cantine")
        held = services.transmission.transmit(b_id)
        assert held.state is ActState.PACKAGED and held.platform_ref is None
        assert held.problem is not None and held.problem.code is ProblemCode.NO_PLATFORM_ACCOUNT
        assert held.problem.message("fr") == (
            "la collectivité 212800858 n'a pas de compte sur la plateforme de "
            "télétransmission : l'acte n'est pas envoyé"
        )
        assert "actes collectivites platform-account" in held.problem.action("fr")
        assert sim.filed() == {}  # nothing reached the platform
        with pytest.raises(NoPlatformAccount):
            services.platform_for(B.siren.value)
        services.polling.poll()  # A's account is polled; B's act is not looked for there
        assert services.store.get_act(b_id).state is ActState.PACKAGED
        # once B's account is bound, the same act goes, with B's account
        sim.store.bind_platform_account(sim.account(B, "chartres"), at=dt.datetime.now(dt.UTC))
        sent = services.transmission.transmit(b_id)
        assert sent.state is ActState.SUBMITTED and sent.problem is None
        assert sim.filed()[sent.platform_ref or ""] == (B.siren.value, "chartres")
        services.close()


def test_the_global_account_serves_one_collectivite_only_until_accounts_are_bound(
    sim: Platform, pdf_factory: Callable[..., Path]
) -> None:
    """Backward compatible: the global account without ACTES_PLATFORM_SIREN carries every
    act of an instance with no account bound; once one is bound, it carries none."""
    with sim.client("dreux") as a_account:
        services = sim.services(platform=a_account)
        assert services.platform_for(A.siren.value) is a_account
        assert [s.cursor for s in services.account_scopes()] == ["platform"]
        sim.store.bind_platform_account(sim.account(B, "chartres"), at=dt.datetime.now(dt.UTC))
        with pytest.raises(NoPlatformAccount):
            services.platform_for(A.siren.value)
        assert [s.cursor for s in services.account_scopes()] == [f"platform:{B.siren.value}"]
        bound = sim.services(platform=a_account, siren=A.siren.value)
        assert bound.platform_for(A.siren.value) is a_account
        assert sorted(s.cursor for s in bound.account_scopes()) == [
            "platform",
            f"platform:{B.siren.value}",
        ]
        services.close()
        bound.close()


def _actes(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ACTES_")}
    return subprocess.run(
        [sys.executable, "-m", "workflow.interfaces.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**clean, **env},
    )


def test_accounts_from_the_command_line_checked_one_by_one(
    sim_cli: Platform, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    data = tmp_path / "cli"
    env = {
        "ACTES_DATA_DIR": str(data),
        "ACTES_PLATFORM_URL": sim_cli.url,
        "ACTES_PLATFORM_CA": str(sim_cli.pki.ca_cert),
    }
    settings = Settings(data_dir=data, platform_url=sim_cli.url, platform_ca=sim_cli.pki.ca_cert)
    services = build_services(settings, actor="test")
    for collectivite in (A, B):
        services.store.add_collectivite(collectivite)
    cert, key = str(sim_cli.pki.client_cert), str(sim_cli.pki.client_key)

    def bind(siren: str, login: str) -> subprocess.CompletedProcess[str]:
        password = str(sim_cli.passwords[login])
        return _actes(
            "collectivites",
            "platform-account",
            siren,
            *("--cert", cert, "--key", key, "--login", login, "--password-file", password),
            env=env,
        )

    assert bind(A.siren.value, "dreux").returncode == 0
    half = _actes("collectivites", "platform-account", B.siren.value, "--cert", cert, env=env)
    assert half.returncode != 0 and "--key" in half.stderr
    assert bind(B.siren.value, "chartres").returncode == 0
    listed = json.loads(_actes("collectivites", "platform-accounts", "--json", env=env).stdout)
    assert [(a["siren"], a["login"]) for a in listed["accounts"]] == [
        (B.siren.value, "chartres"),
        (A.siren.value, "dreux"),
    ]
    assert "s3cret" not in json.dumps(listed)  # the paths, never the passwords
    checked = _actes("platform", "check", "--json", env=env)
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["matches"] is True
    assert len(json.loads(checked.stdout)["accounts"]) == 2
    one = _actes("platform", "check", B.siren.value, "--json", env=env)
    assert json.loads(one.stdout)["login"] == "chartres"
    assert bind(B.siren.value, "dreux").returncode == 0  # B bound to A's account by mistake
    wrong = _actes("platform", "check", env=env)
    assert wrong.returncode == 4 and "is NOT the one of Chartres" in wrong.stdout
    assert _actes("collectivites", "platform-account", B.siren.value, "--remove", env=env)
    services.close()


def test_doctor_reports_acts_without_an_account_and_expired_certificates(
    sim_cli: Platform, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    data = tmp_path / "doctor"
    settings = Settings(data_dir=data, platform_url=sim_cli.url, platform_ca=sim_cli.pki.ca_cert)
    services = build_services(settings, actor="test")
    for collectivite in (A, B):
        services.store.add_collectivite(collectivite)
    now = dt.datetime.now(dt.UTC)
    expired = tmp_path / "expired.pem"
    certificate, key = make_certificate(
        "Dreux (expired)",
        None,
        None,
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=35),
        usage="client",
    )
    expired.write_bytes(certificate.public_bytes(Encoding.PEM))
    del key
    services.store.bind_platform_account(
        PlatformAccount(A.siren.value, expired, sim_cli.pki.client_key), at=now
    )
    _packaged(services, pdf_factory(), B, "Tarifs de la cantine")  # B: acts, no account
    findings = doctor(settings, lambda: ok("broker", "fine"))
    about = {(f.check, f.subject): f for f in findings}
    unbound = about[("platform.account", B.siren.value)]
    assert unbound.severity is Severity.INVALID and "platform-account 212800858" in unbound.fix
    stale = about[("platform.account_certificate", A.siren.value)]
    assert stale.severity is Severity.INVALID and "expired" in stale.message
    assert exit_code(findings) == 2
    services.close()


def test_one_broken_account_does_not_stop_the_poll_of_the_others(
    sim: Platform, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    sim.store.bind_platform_account(sim.account(A, "dreux"), at=dt.datetime.now(dt.UTC))
    sim.store.bind_platform_account(sim.account(B, "chartres"), at=dt.datetime.now(dt.UTC))
    services = sim.services()
    a_id = _packaged(services, pdf_factory(), A, "Budget primitif")
    assert services.transmission.transmit(a_id).state is ActState.SUBMITTED
    lost = tmp_path / "lost.password"
    broken = dataclasses.replace(sim.account(B, "chartres"), password_file=lost)
    sim.store.bind_platform_account(broken, at=dt.datetime.now(dt.UTC))
    sim.advance()
    assert services.account_scopes()[0].cursor == f"platform:{B.siren.value}"
    with pytest.raises(ConfigurationError, match="212800858"):
        services.polling.poll()  # B's account (polled first) cannot be used: A's still is
    assert services.store.get_act(a_id).state is ActState.ACKNOWLEDGED
    assert services.store.poll_cursor(f"platform:{B.siren.value}") is None
    assert services.store.poll_cursor(f"platform:{A.siren.value}") is not None
    services.close()
