"""Upgrades: every migration from the first to the last, with data written at the first
revision surviving to the last, down and up again; and ``alembic check``: the migrations
build exactly what the models describe. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from workflow.adapters.store.engine import MIGRATIONS, make_engine
from workflow.adapters.store.repository import SqlStore
from workflow.lifecycle import ActState


def _config(engine: Engine, run: str, *args: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, run)(config, *args)


def revisions() -> list[str]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_every_migration_in_order_keeps_the_data(database_url: str, tmp_path: Path) -> None:
    steps = revisions()
    assert steps[0] == "0001" and len(steps) == len(set(steps))
    engine = make_engine(database_url)
    _config(engine, "upgrade", steps[0])
    now = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    with engine.begin() as connection:  # an act as the first schema knew it
        connection.execute(
            text(
                "INSERT INTO collectivites (siren, name, departement, arrondissement, nature, "
                "emails) VALUES ('212801344', 'Dreux', '028', 0, '31', 'a@x.fr')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO acts (siren, idempotency_key, numero, numero_printed, act_date, "
                "nature, classification, classification_date, objet, state, state_since, "
                "version, created_at) VALUES ('212801344', 'k', 'M1', 'M1', :d, 'DE', '8.1', "
                ":d, 'Objet', 'received', :t, 0, :t)"
            ),
            {"d": dt.date(2026, 1, 5), "t": now},
        )
    for step in steps[1:]:
        _config(engine, "upgrade", step)
    _config(engine, "check")  # `alembic check`: no difference between models and schema
    store = SqlStore(engine, tmp_path / "files")
    (act,) = store.list_acts()
    assert (act.numero, act.state) == ("M1", ActState.RECEIVED)
    assert store.get_collectivite("212801344").population is None
    _config(engine, "downgrade", steps[0])
    _config(engine, "upgrade", "head")
    assert [a.numero for a in store.list_acts()] == ["M1"]
    store.close()
