"""Platform settings: form mode by default (S²LOW ≥ 6.0), HTTP Basic login with its password."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow.adapters.wiring import build_platform
from workflow.errors import ConfigurationError
from workflow.platform import SubmitMode
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
