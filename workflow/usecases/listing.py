"""Reading one status of the platform's listing (``api/list_actes.php``) for the transactions
we wait on, at a cost that follows those transactions, not the account's history.

What a listing is, in S²LOW's source (libriciel/s2low ``class/actes/ActesTransactionsSQL.php``
@852c3c63 ``getListByStatusAndAuthority``, ``controller/ActesAPIController.php``@b62b266c):

- its rows come ``ORDER BY actes_transactions.id DESC``: by the transaction's id, given when
  the transaction was created, never by the moment it entered the status listed;
- a row's ``date`` is ``date(decision_date)``, the act's own date: no row says when its
  transaction entered the status, so no date can end a walk through the pages;
- ``min_date`` keeps the rows whose workflow entry for that status (a timestamp written when
  the status was set) is at or after it;
- ``type_acte`` is read as an act's nature (``99_DE``…), never as a transaction type: every
  type is listed (a cancellation shares its act's number), and acts are the rows of type 1.

Since the rows come by decreasing id and the ids we wait on are known, a page that reaches
ids below the smallest one still wanted ends the walk: no later page can hold one. A walk may
also be given a budget of pages: past it, asking each remaining transaction alone (one
``get_status`` each) costs less than paging on.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflow.identifiers import ascii_digits
from workflow.platform import ListedTransaction, ListingWindow, PlatformStatus, TransmissionPlatform

PAGE = 100
#: a listing's rows of acts: S²LOW writes ``"1"``; an older or other platform may omit it
ACT_TYPES = ("1", "")


@dataclass(frozen=True, slots=True)
class Walk:
    """The wanted transactions one status lists, and whether the walk saw them all."""

    found: tuple[ListedTransaction, ...]
    #: every wanted transaction the listing holds was seen (False: the budget ran out first)
    complete: bool
    pages: int


def walk(
    platform: TransmissionPlatform,
    status: PlatformStatus,
    window: ListingWindow,
    wanted: set[str],
    *,
    budget: int | None = None,
) -> Walk:
    """The ``wanted`` acts (transaction ids; each found is taken out of the set) listed in
    ``status``: pages newest first until all are found, a page comes back short, a page
    reaches ids below every one still wanted, or ``budget`` pages were read."""
    found: list[ListedTransaction] = []
    pages = offset = 0
    while wanted:
        if budget is not None and pages >= budget:
            return Walk(tuple(found), False, pages)
        page = platform.list_transactions(status, offset=offset, limit=PAGE, window=window)
        pages += 1
        for listed in page:
            if listed.type in ACT_TYPES and listed.id in wanted:
                wanted.discard(listed.id)
                found.append(listed)
        if len(page) < PAGE or passed(page, wanted):
            break
        offset += PAGE
    return Walk(tuple(found), True, pages)


def passed(page: list[ListedTransaction], wanted: set[str]) -> bool:
    """The page went below every wanted id: the rows after it, by decreasing id, are older
    transactions than any we wait on. Ids that are not numbers prove nothing."""
    floor = [int(w) for w in wanted if ascii_digits(w)]
    reached = [int(t.id) for t in page if ascii_digits(t.id)]
    if not wanted or len(floor) < len(wanted) or not reached:
        return False
    return min(reached) < min(floor)
