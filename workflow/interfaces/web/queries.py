"""What the pages show, gathered from the store and the use cases for one user: only the acts,
drafts and deadlines of the user's collectivités ever come out of here."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from workflow.errors import NotFound
from workflow.identifiers import Departement
from workflow.intake.service import Intake
from workflow.legal.calendar import is_working_day
from workflow.legal.deadlines import Deadline
from workflow.lifecycle import AT_PLATFORM, ActState
from workflow.platform import PlatformStatus
from workflow.store import ActRecord, DraftRecord, ExchangeRecord
from workflow.usecases import Services
from workflow.usecases.context import PARIS
from workflow.usecases.polling import PARKED
from workflow.users import UserRecord

#: the préfecture acknowledges on working days: an act sent on day D is late when the AR has
#: not come by the end of the next working day (our threshold; the law sets none)
AR_WORKING_DAYS = 1
WAITING_FOR_AR = (ActState.SUBMITTED, ActState.TRANSMITTED)
PAGE_SIZE = 25


def own_act(services: Services, user: UserRecord, act_id: int) -> ActRecord:
    """The act if it belongs to one of the user's collectivités; else 404, as if absent."""
    act = services.store.get_act(act_id)
    if act.siren not in user.sirens:
        raise NotFound(f"no act {act_id}", field="act", value=act_id)
    return act


def own_draft(intake: Intake, user: UserRecord, draft_id: int) -> DraftRecord:
    draft = intake.draft(user.principal, draft_id)
    if draft.siren is not None and draft.siren not in user.sirens:
        raise NotFound(f"no draft {draft_id}", field="draft", value=draft_id)
    return draft


def own_siren(user: UserRecord, siren: str) -> str:
    if siren not in user.sirens:
        raise NotFound(f"no collectivité {siren}", field="siren", value=siren)
    return siren


def visible_acts(services: Services, user: UserRecord) -> list[ActRecord]:
    acts = [a for a in services.store.list_acts() if a.siren in user.sirens]
    return sorted(acts, key=lambda a: a.id, reverse=True)


def waits_for_confirmation(act: ActRecord) -> bool:
    """The platform holds the act in 17 « En attente d'être postée » until a person confirms."""
    parked = PARKED[PlatformStatus.EN_ATTENTE_D_ETRE_POSTEE].format(act=act.id)
    return act.state in AT_PLATFORM and act.last_error == parked


def working_days_between(start: dt.date, end: dt.date, departement: Departement | None) -> int:
    """Working days after ``start`` up to and including ``end``."""
    days, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        days += is_working_day(day, departement)
    return days


def late_for_ar(services: Services, act: ActRecord, today: dt.date) -> bool:
    if act.state not in WAITING_FOR_AR:
        return False
    sent = act.state_since.astimezone(PARIS).date()
    departement = services.store.get_collectivite(act.siren).departement
    return working_days_between(sent, today, departement) > AR_WORKING_DAYS


@dataclass
class Dashboard:
    by_state: list[tuple[ActState, int]]
    late: list[ActRecord]
    to_act: list[ActRecord]
    drafts: list[DraftRecord]
    letters: list[tuple[ActRecord, ExchangeRecord]]
    deadlines: list[tuple[ActRecord, Deadline]]
    not_executory: list[ActRecord]
    total: int = field(default=0)


def dashboard(services: Services, intake: Intake, user: UserRecord, today: dt.date) -> Dashboard:
    acts = visible_acts(services, user)
    counts = Counter(a.state for a in acts)
    store = services.store
    letters = [
        (act, e)
        for act in acts
        for e in store.exchanges(act.id)
        if e.code in ("2-1", "3-1", "4-1") and e.answered_on is None
    ]
    acknowledged = [a for a in acts if a.state is ActState.ACKNOWLEDGED]
    not_executory = [a for a in acknowledged if not services.law.assess(a.id).executory.executory]
    return Dashboard(
        by_state=[(s, counts[s]) for s in ActState if counts[s]],
        late=[a for a in acts if late_for_ar(services, a, today)],
        to_act=[
            a
            for a in acts
            if a.state in (ActState.REJECTED, ActState.FAILED) or waits_for_confirmation(a)
        ],
        drafts=drafts_of(intake, user),
        letters=letters,
        deadlines=deadlines_of(services, user, today, 30),
        not_executory=not_executory,
        total=len(acts),
    )


def drafts_of(intake: Intake, user: UserRecord) -> list[DraftRecord]:
    return [d for d in intake.drafts(user.principal) if d.siren is None or d.siren in user.sirens]


def deadlines_of(
    services: Services, user: UserRecord, today: dt.date, within_days: int
) -> list[tuple[ActRecord, Deadline]]:
    found: list[tuple[ActRecord, Deadline]] = []
    for siren in sorted(user.sirens):
        found.extend(
            (act, deadline.on(today))  # with the days left (« ouvert, J-12 »)
            for act, deadline in services.law.deadlines(
                today=today, within_days=within_days, siren=siren
            )
        )
    return sorted(found, key=lambda pair: (pair[1].due or today, pair[0].id))


@dataclass(frozen=True)
class ActFilter:
    state: str = ""
    nature: str = ""
    siren: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    text: str = ""

    def matches(self, act: ActRecord) -> bool:
        words = self.text.strip().lower()
        found = (
            not words
            or words == (act.id_acte or "").lower()
            or words == act.numero.lower()
            or words == act.numero_printed.lower()
            or all(w in act.objet.lower() for w in words.split())
        )
        return (
            found
            and (not self.state or act.state.value == self.state)
            and (not self.nature or act.nature == self.nature)
            and (not self.siren or act.siren == self.siren)
            and (self.start is None or act.act_date >= self.start)
            and (self.end is None or act.act_date <= self.end)
        )


def search_acts(services: Services, user: UserRecord, wanted: ActFilter) -> list[ActRecord]:
    return [a for a in visible_acts(services, user) if wanted.matches(a)]
