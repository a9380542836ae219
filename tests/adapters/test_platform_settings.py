"""Platform settings: form mode by default (S²LOW ≥ 6.0), HTTP Basic login with its password."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.wiring import build_platform, build_services
from workflow.errors import ConfigurationError
from workflow.platform import PlatformAccount, SubmitMode
from workflow.settings import Settings
from workflow.usecases.context import Context


def test_form_mode_is_the_default(tmp_path: Path) -> None:
    platform = build_platform(Settings(platform_url="https://tdt.invalid", data_dir=tmp_path))
    assert platform is not None and platform.config.mode is SubmitMode.FORM
    assert Settings(data_dir=tmp_path).platform_mode == "form"
    assert Context.__dataclass_fields__["submit_mode"].default == "form"


def test_a_login_needs_its_password_file(tmp_path: Path) -> None:
    settings = Settings(platform_url="https://tdt.invalid", platform_login="agent")
    with pytest.raises(ConfigurationError, match="PASSWORD_FILE"):
        build_platform(settings)
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    platform = build_platform(settings.model_copy(update={"platform_password_file": secret}))
    assert platform is not None and platform._session.auth == ("agent", "s3cret")


def test_the_global_account_names_its_collectivite(tmp_path: Path) -> None:
    """ACTES_PLATFORM_SIREN: nine digits, handed to the services (which send only that
    collectivité's acts with the global account); each bound account gets its own client."""
    with pytest.raises(ValidationError, match="platform_siren"):
        Settings(data_dir=tmp_path, platform_siren="21280134")
    settings = Settings(
        data_dir=tmp_path, platform_url="https://tdt.invalid", platform_siren="212801344"
    )
    services = build_services(settings)
    try:
        assert services.platform_siren == "212801344"
        secret = tmp_path / "password"
        secret.write_text("s3cret\n")
        account = PlatformAccount("212800858", login="chartres", password_file=secret)
        client = services.account_client_for(account)
        assert isinstance(client, HttpPlatform) and client._session.auth == ("chartres", "s3cret")
        assert client.config.base_url == "https://tdt.invalid"
        assert services.account_client_for(account) is client  # one client per account
    finally:
        services.close()
