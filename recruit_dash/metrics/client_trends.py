"""How concentrated the client business is: relationship shape, fee shares, quarter on quarter."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from recruit_dash.metrics.client_book import (
    REPEAT_MIN,
    ClientBook,
    _counts,
    _in,
    _sums,
    _value,
    twelve_months_to,
)
from recruit_dash.periods import Period, period_holding, period_to_date, previous_period

TOP_CLIENTS = 5
SHAPE_BUCKETS: tuple[tuple[str, int, float], ...] = (
    ("1 lead (one-off)", 1, 1),
    ("2–3 leads", 2, 3),
    ("4+ leads", 4, np.inf),
)


def _fees_in(book: ClientBook, window: Period) -> pd.Series:
    """Return the fees of starts dated in the window, per client position (clients with a start)."""
    return _sums(book.codes.event_client, _in(book.codes.event_on, window), book.codes.event_fee)


def _leads_in(book: ClientBook, window: Period) -> pd.Series:
    """Return the leads generated in the window per client position (clients with a lead)."""
    codes = book.codes
    counts = _counts(codes.lead_client, _in(codes.lead_on, window), len(book.clients))
    present = np.flatnonzero(counts)
    return pd.Series(counts[present], index=present)


def relationship_shape(book: ClientBook, day: date | None = None) -> pd.DataFrame:
    """Return clients grouped by their leads in the 12 months to the day (1, 2–3, 4+), with their
    leads, fees of those 12 months and shares of clients and fees."""
    window = twelve_months_to(day or book.as_of)
    per_client = _leads_in(book, window)
    every_fee = _fees_in(book, window)
    fees = every_fee.reindex(per_client.index, fill_value=0)
    rows = []
    for label, low, high in SHAPE_BUCKETS:
        chosen = (per_client >= low) & (per_client <= high)
        rows.append(
            {
                "group": label,
                "clients": int(chosen.sum()),
                "leads": int(per_client[chosen].sum()),
                "fees": float(fees[chosen].sum()),
            }
        )
    frame = pd.DataFrame(rows)
    frame["share_of_clients"] = frame["clients"] / frame["clients"].sum() if per_client.size else np.nan
    total = float(every_fee.sum())
    frame["share_of_fees"] = frame["fees"] / total if total else np.nan
    return frame


def concentration(book: ClientBook, day: date | None = None) -> dict[str, float | int | None]:
    """Return, over the 12 months to the day, the clients, the repeat business ratio, the fees and
    the share of fees from repeat clients and from the top five clients."""
    day = day or book.as_of
    window = twelve_months_to(day)
    per_client = _leads_in(book, window)
    fees = _fees_in(book, window)
    total = float(fees.sum())
    repeat = per_client.index[per_client >= REPEAT_MIN]
    return {
        "clients": int(per_client.size),
        "one_off": int((per_client == 1).sum()),
        "two_to_three": int(((per_client >= 2) & (per_client <= 3)).sum()),
        "four_plus": int((per_client >= 4).sum()),
        "repeat_business_ratio": _value((per_client >= REPEAT_MIN).mean()) if per_client.size else None,
        "fees": total,
        "repeat_fee_share": float(fees[fees.index.isin(repeat)].sum()) / total if total else None,
        "top_five_fee_share": float(fees.nlargest(TOP_CLIENTS).sum()) / total if total else None,
    }


def shape_by_quarter(book: ClientBook, quarters: int = 5) -> pd.DataFrame:
    """Return the concentration figures at the end of each recent quarter (the current one cut at
    the as-of date), newest first, each over the 12 months to that day."""
    current = period_to_date(book.as_of, "quarter")
    ends, quarter = [current], period_holding(book.as_of, "quarter")
    for _ in range(quarters - 1):
        quarter = previous_period(quarter, "quarter")
        ends.append(quarter)
    return pd.DataFrame(
        [{"quarter": period.label, "to": period.end, **concentration(book, period.end)} for period in ends]
    )
