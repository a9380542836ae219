"""Which publicity an act needs (LEGAL.md R5–R7) and whether it must be transmitted (R1–R2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from workflow.i18n import _
from workflow.identifiers import ActNature

REFORM_2022 = dt.date(2022, 7, 1)
SMALL_COMMUNE = 3500


@dataclass(frozen=True, slots=True)
class PublicityAdvice:
    expected: tuple[str, ...]  # acceptable modes
    rule: str
    explanation: str
    ok: bool | None = None  # whether the recorded mode fits (None: no mode recorded)


def expected_publicity(
    nature: ActNature,
    *,
    population: int | None,
    chosen_mode: str | None,
    on: dt.date,
    recorded: str | None = None,
) -> PublicityAdvice:
    """The publicity mode the law expects for this act (from 1 July 2022, R5–R6; R4 before)."""
    if on < REFORM_2022:
        modes: tuple[str, ...] = ("posting", "paper", "notification")
        advice = (
            "R4",
            _(
                "before 1 July 2022, publicity was on paper: posting or publication, or notification"
            ),
        )
    elif nature is ActNature.AI:
        modes, advice = (
            ("notification",),
            (
                "R5",
                _("an individual decision is made known by notification to the person concerned"),
            ),
        )
    elif population is not None and population < SMALL_COMMUNE:
        modes = (chosen_mode,) if chosen_mode else ("electronic",)
        advice = (
            "R6",
            _(
                "under 3,500 inhabitants the council chooses posting, paper or electronic "
                "publication; without a deliberation on the point, electronic publication applies"
            ),
        )
    else:
        modes, advice = (
            ("electronic",),
            (
                "R5",
                _(
                    "regulatory acts and deliberations are published electronically on the "
                    "commune's website (R7: full text, date put online, at least 2 months)"
                ),
            ),
        )
    ok = None if recorded is None else recorded in modes
    return PublicityAdvice(modes, advice[0], advice[1], ok)


def mode_label(mode: str) -> str:
    """A publicity mode in the clerk's words (the stable code stays in the JSON)."""
    labels = {
        "electronic": _("electronic publication"),
        "posting": _("posting"),
        "paper": _("paper publication"),
        "notification": _("notification to the person concerned"),
    }
    return labels.get(mode, mode)


def must_transmit(nature: ActNature) -> bool:
    """R1–R2 first cut: deliberations, regulatory and individual acts, contracts and budgets are
    in the L2131-2 list as a rule; the exceptions (LEGAL.md §A) need a person's judgement, so the
    clerk can mark an act as not transmissible."""
    return nature is not ActNature.AU
