"""The client against S²LOW's recorded replies (``scenarios.py``): what it does with each."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from requests.adapters import BaseAdapter

from tests.conformance.scenarios import SCENARIOS, Reply, Scenario
from workflow.adapters.platform_http import HttpPlatform
from workflow.platform import PlatformConfig


class Recorded(BaseAdapter):
    """Answers every request with one recorded reply, and keeps the requests it saw."""

    def __init__(self, reply: Reply) -> None:
        super().__init__()
        self.reply = reply
        self.seen: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        self.seen.append(request)
        response = requests.Response()
        response.status_code = self.reply.status
        response._content = self.reply.example
        if self.reply.example_location:
            # PHP writes the header's bytes as they are (UTF-8); http.client reads latin-1
            location = self.reply.example_location.encode("utf-8").decode("latin-1")
            response.headers["Location"] = location
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def test_the_examples_follow_their_patterns() -> None:
    """The recorded replies are instances of the patterns the simulator is held to."""
    for scenario in SCENARIOS:
        reply = scenario.reply
        if reply.body is not None:
            assert re.fullmatch(reply.body, reply.example, re.DOTALL), scenario.name
        if reply.location is not None:
            assert re.match(reply.location, reply.example_location), scenario.name


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_client_reads_the_recorded_reply(
    scenario: Scenario, tmp_path: Path, pdf_factory: Callable[..., Path]
) -> None:
    adapter = Recorded(scenario.reply)
    session = requests.Session()
    session.mount("https://", adapter)
    platform = HttpPlatform(PlatformConfig(base_url="https://s2low.invalid"), session)
    archive = tmp_path / "SLO-EACT--212801344--20260105-1.tar.gz"
    archive.write_bytes(b"\x1f\x8b\x08")
    platform.test_archive = archive  # type: ignore[attr-defined]
    platform.test_pdf = pdf_factory()  # type: ignore[attr-defined]
    if isinstance(scenario.expect, tuple):
        kind, pattern = scenario.expect
        with pytest.raises(kind) as raised:
            scenario.call(platform)
        text = f"{type(raised.value).__name__}: {raised.value}"
        assert re.search(pattern, text), text
    else:
        scenario.expect(scenario.call(platform))
    # whatever the reply, every request the client made carried api=1
    for request in adapter.seen:
        body = request.body if isinstance(request.body, bytes) else b""
        assert "api=1" in (request.url or "") or b'name="api"\r\n\r\n1' in body, request.url


def test_the_environment_is_read_once_for_the_platforms_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The proxy and CA settings of the environment still apply (read when the client is
    built, for the platform's address), and requests no longer rescans the environment at
    every call."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.collectivite.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/operator-ca.pem")
    through = HttpPlatform(PlatformConfig(base_url="https://s2low.invalid"))
    assert through._session.proxies == {"https": "http://proxy.collectivite.invalid:3128"}
    assert through._session.trust_env is False
    assert through._verify == "/etc/ssl/operator-ca.pem"
    monkeypatch.setenv("NO_PROXY", "s2low.invalid")
    direct = HttpPlatform(PlatformConfig(base_url="https://s2low.invalid", ca_file=Path("ca")))
    assert direct._session.proxies == {}
    assert direct._verify == "ca"  # the configured CA wins over the environment's
