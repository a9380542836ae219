"""Fixtures shared by every layer of tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fpdf import FPDF
from sqlalchemy import create_engine, text

from workflow.adapters.pki import DevPki, create_dev_pki

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ACTES_SHARED_DIR") or REPO.parent / "shared")


@pytest.fixture
def shared_dir() -> Path:
    """The read-only reference folder beside the repository; tests using it skip without it."""
    if not SHARED.is_dir():
        pytest.skip(f"reference material not found at {SHARED}")
    return SHARED


def make_pdf(text: str = "Délibération de test") -> bytes:
    """A small real PDF with a text layer."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    """The development PKI (CA, server and client certificates, a signer), once per module."""
    return create_dev_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def pdf_factory(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1_000_000))

    def build(text: str = "Délibération de test", name: str | None = None) -> Path:
        path = tmp_path / (name or f"doc{next(counter)}.pdf")
        path.write_bytes(make_pdf(text))
        return path

    return build


POSTGRES_URL = os.environ.get(
    "ACTES_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("ACTES_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _unavailable(what: str, error: Exception) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required in CI and is not reachable: {error}")
    pytest.skip(f"{what} not reachable: {error}")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # noqa: BLE001 - any failure means "no server here"
        admin.dispose()
        _unavailable("PostgreSQL", error)
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def redis_url() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        _unavailable("Redis", error)
    finally:
        client.close()
    return REDIS_URL
