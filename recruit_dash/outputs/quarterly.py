"""The owner's quarterly review, computed once: the figures of every part of the pack, which the PDF
(`quarterly_pack`) and the workbook (`quarterly_workbook`) both draw, so that the two agree.

Rules where DESIGN.md is silent, also printed on the pack's last page:
- **The quarter** runs from its first day to the as-of date. It is compared with the whole of the
  previous quarter and with the same quarter a year earlier, cut at the same day (like for like).
- **At this pace** scales a count or a fee of a quarter not yet over to its whole length (figure ÷
  days so far × days in the quarter): a run rate, not a forecast. The change on the previous
  quarter is taken at this pace, the change on a year earlier on the same days.
- **Conversion** is starts ÷ leads generated, both dated in the quarter (activity lens).
- **Speed** is the median of whole days from each stage to the lead's next dated stage, for the
  milestones dated in the quarter.
- **Per consultant**, each nail-to-milestone ratio of the quarter beside the previous quarter's;
  a ratio on fewer than 5 milestones is a small sample, marked *.
- **Stalled leads and aftercare** are as of the as-of date; a lead with no progress for over 90
  days is counted apart from the ones to unstick first; the check-ins counted are those due in
  the quarter.
- **The curve at 12 weeks** compares the share filled of the latest monthly cohort whose every
  lead is 12 weeks old with the median of the cohorts before it at the same age.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from recruit_dash import formats
from recruit_dash.metrics.aftercare import AT_RISK_DAYS, STATUS_LABELS, WINDOW_DAYS, aftercare
from recruit_dash.metrics.client_book import ClientBook, client_book
from recruit_dash.metrics.client_tables import client_table, consultant_table
from recruit_dash.metrics.clients import CLIENT_METRICS
from recruit_dash.metrics.consultant_trends import leaderboard
from recruit_dash.metrics.forecast import fee_forecast
from recruit_dash.metrics.funnel import Progress, cohorts, filled_curve, progress, quarter_on_quarter
from recruit_dash.metrics.queue import LONG_OVERDUE_DAYS
from recruit_dash.metrics.ratio_ledger import Ledger, ledger
from recruit_dash.metrics.ratios import ratio_grid
from recruit_dash.metrics.registry import _ACTIVITY_LENS, METRICS
from recruit_dash.metrics.stalled import (
    DEFAULT_THRESHOLDS,
    STAGE_PHRASES,
    _lower_first,
    stalled_leads,
)
from recruit_dash.model import NO_CONSULTANT, STAGE_IDS, STAGE_LABELS, STAGE_ORDER, Model
from recruit_dash.periods import Period, period_holding, period_to_date, previous_period

COHORT_MONTHS = 12
CONVERSION = "conversion"


@dataclass(frozen=True)
class QuarterlyReview:
    """Every figure of the quarterly review pack, each part a tidy table (or a few)."""

    as_of: date
    quarter: Period  # the quarter holding the as-of date, to that day
    previous: Period  # the whole quarter before
    last_year: Period  # the same quarter a year earlier, to the same day
    # figure, label, kind, supported, this, pace, previous, last_year, change (at this pace, on the
    # previous quarter), change_on_last_year, meaning
    glance: pd.DataFrame
    cohorts: pd.DataFrame  # month, leads, filled, lost, on_hold, open, share_filled, days_to_start, open_at:*
    filled_curve: pd.DataFrame  # cohort, weeks, share_filled
    speed: pd.DataFrame  # stage, label, events, events_last, days_to_next, days_to_next_last, change
    consultants: pd.DataFrame  # consultant, starts, starts_last, fees, fees_last, activities, activities_last
    ratios: pd.DataFrame  # consultant, pair, label, activities, milestones, ratio, ratio_last, change, ...
    clients: pd.DataFrame  # figure, label, kind, higher_is_better, this, previous, last_year,
    #                        changes, meaning
    # consultant, answers, great_recruiter_score (and _before), small_sample, testimonials,
    # new_clients, repeat_business_ratio
    client_scores: pd.DataFrame
    lapsed: pd.DataFrame  # client, leads_12m, last_contact_on, days_since_contact, flag
    stalled: pd.DataFrame  # lead_id, consultant, client, stage, label, days_since_progress, fee,
    #                        reason, long_ago: deepest first, those stalled over 90 days last
    stalled_by_stage: pd.DataFrame  # stage, label, stalled, long_ago, fees, threshold
    open_leads: int
    checkins: pd.DataFrame  # consultant, a column per status, completion: check-ins due in the quarter
    checkin_records: bool
    at_risk: pd.DataFrame  # placement_id, candidate, client, consultant, start_on, last_contact_on, days
    forecast: dict
    forecast_stages: pd.DataFrame
    forecast_consultants: pd.DataFrame
    rules: list[tuple[str, str]]  # (heading, text), for the last page and the workbook
    curve_note: str  # the latest cohort's share filled at 12 weeks against the ones before
    speed_note: str  # at how many stages leads moved faster or slower than last quarter

    @property
    def partial(self) -> bool:
        """Return whether the quarter is not over on the as-of date."""
        return self.quarter.end < period_holding(self.as_of, "quarter").end


def review_periods(as_of: date) -> tuple[Period, Period, Period]:
    """Return the quarter to the as-of date, the whole previous quarter, and the same quarter a
    year earlier cut at the same day."""
    year_before = (pd.Timestamp(as_of) - pd.DateOffset(years=1)).date()
    return (period_to_date(as_of, "quarter"),
            previous_period(period_holding(as_of, "quarter"), "quarter"),
            period_to_date(year_before, "quarter"))


def quarterly_review(model: Model, as_of: date, *, standing: Progress | None = None) -> QuarterlyReview:
    """Return every figure of the quarterly review for the quarter holding the as-of date."""
    standing = standing or progress(model, as_of)
    quarter, previous, last_year = review_periods(as_of)
    whole = period_holding(as_of, "quarter")
    scale = days_in(whole) / days_in(quarter)
    book = client_book(model, as_of, standing)
    care = aftercare(model, as_of)
    stalled = stalled_leads(model, as_of, standing=standing)
    forecast = fee_forecast(model, as_of, standing=standing)
    curve = filled_curve(model, as_of, months=COHORT_MONTHS, standing=standing)
    speed = _speed(model, as_of, standing)
    book_of_nails = ledger(model)
    return QuarterlyReview(
        as_of, quarter, previous, last_year,
        glance=_glance(model, as_of, (quarter, previous, last_year), scale),
        cohorts=_cohorts(model, as_of, standing),
        filled_curve=curve,
        speed=speed,
        consultants=_consultants(book_of_nails, quarter, previous, as_of),
        ratios=_ratios(book_of_nails, quarter, previous, as_of),
        clients=_client_figures(book, (quarter, previous, last_year)),
        client_scores=_client_scores(book, quarter, previous),
        lapsed=_lapsed(book, quarter, previous),
        stalled=_stalled_list(stalled.leads),
        stalled_by_stage=_stalled_by_stage(stalled.leads),
        open_leads=stalled.open_leads,
        checkins=_checkins(care.checkins, quarter),
        checkin_records=care.records,
        at_risk=care.at_risk()[["placement_id", "candidate", "client", "consultant", "start_on",
                                "last_contact_on", "days_without_contact"]].reset_index(drop=True),
        forecast=forecast,
        forecast_stages=pd.DataFrame(forecast["by_stage"], columns=[
            "stage", "label", "open_leads", "probability", "closed_leads_behind", "small_sample",
            "from_whole_history", "expected"]),
        forecast_consultants=pd.DataFrame(forecast["by_consultant"],
                                          columns=["consultant", "open_leads", "expected"]),
        rules=counting_rules(forecast),
        curve_note=curve_note(curve, as_of),
        speed_note=speed_note(speed, quarter, previous),
    )


def review_file_name(as_of: date, extension: str) -> str:
    """Return the file name of the review pack of the quarter holding the as-of date."""
    quarter = period_holding(as_of, "quarter")
    return (f"quarterly_review_{quarter.start.year}Q{(quarter.start.month - 1) // 3 + 1}_"
            f"to_{as_of:%Y%m%d}.{extension}")


def days_in(period: Period) -> int:
    """Return the number of days of a period, both ends included."""
    return (period.end - period.start).days + 1


def _glance(model: Model, as_of: date, periods: tuple[Period, ...], scale: float) -> pd.DataFrame:
    """Return the headline figures of the three periods, the pace, the changes and their words."""
    rows = []
    for metric in METRICS:
        values = [metric.compute(model, period, as_of) for period in periods]
        rows.append({"figure": metric.name, "label": metric.label, "kind": metric.format,
                     "supported": metric.supported(model), "values": values})
    leads, starts = ({row["figure"]: row for row in rows}[name]
                     for name in ("leads_generated", "starts"))
    rows.append({"figure": CONVERSION, "label": "Conversion (starts ÷ leads)",
                 "kind": "percent", "supported": leads["supported"] and starts["supported"],
                 "values": [started / generated if generated else None for started, generated
                            in zip(starts["values"], leads["values"], strict=True)]})
    frame = pd.DataFrame([{
        "figure": row["figure"], "label": row["label"], "kind": row["kind"],
        "supported": row["supported"], "this": row["values"][0],
        "pace": _pace(row["values"][0], row["kind"], scale),
        "previous": row["values"][1], "last_year": row["values"][2]} for row in rows])
    # Like for like: a quarter not yet over is compared with the whole last one at its pace.
    frame["change"] = _difference(frame["pace"].fillna(frame["this"]), frame["previous"])
    frame["change_on_last_year"] = _difference(frame["this"], frame["last_year"])
    frame["meaning"] = [glance_sentence(row, periods) for row in frame.itertuples()]
    return frame


def _pace(value: float | None, kind: str, scale: float) -> float | None:
    """Return a count or a fee scaled to the whole quarter, rounded as the rough figure it is (a
    fee to the nearest thousand); None for a share, or a quarter that is over."""
    if kind == "percent" or scale <= 1 or formats.missing(value):
        return None
    return float(round(value * scale, -3 if kind == "money" else 0))


def _difference(now: pd.Series, before: pd.Series) -> pd.Series:
    return pd.to_numeric(now, errors="coerce") - pd.to_numeric(before, errors="coerce")


def glance_sentence(row, periods: tuple[Period, ...]) -> str:
    """Return what a headline figure's change means, in words: against last quarter (at this
    pace, while the quarter is not over) and against the same days a year earlier."""
    quarter, previous, last_year = periods
    if not row.supported:
        return f"{row.label}: not in your data, so no comparison."
    shown = formats.figure(row.this, row.kind)
    if row.pace is not None and not formats.missing(row.pace):
        opening = (f"{row.label}: {shown} in the first {days_in(quarter)} days, a pace of about "
                   f"{formats.figure(row.pace, row.kind)} for the quarter, "
                   f"{compared(row.pace, row.previous, previous.label, row.kind)}")
    else:
        opening = (f"{row.label}: {shown}, "
                   f"{compared(row.this, row.previous, previous.label, row.kind)}")
    return f"{opening}; {compared(row.this, row.last_year, last_year.label, row.kind)}."


def client_sentence(row, periods: tuple[Period, ...]) -> str:
    """Return what a client-experience figure's change means, in words, saying when fewer is
    better."""
    _, previous, last_year = periods
    if formats.missing(row.this):
        return f"{row.label}: none to show this quarter."
    fewer = "" if row.higher_is_better else " Fewer is better."
    return (f"{row.label}: {formats.figure(row.this, row.kind)}, "
            f"{compared(row.this, row.previous, previous.label, row.kind)} and "
            f"{compared(row.this, row.last_year, last_year.label, row.kind)}.{fewer}")


def compared(now: object, before: object, label: str, kind: str = "count") -> str:
    """Return how a figure compares with an earlier one, in words: "up 12% on Q3 2026 (100)" for a
    count or money, "down 3 pts on Q3 2026 (45%)" for a share or a score, "level with …", "up
    from none in …"; "no figure for …" when either is unknown."""
    if formats.missing(now) or formats.missing(before):
        return f"no figure for {label} to compare"
    points = kind in ("percent", "score")
    change = float(now) - float(before)
    if not points and not before:
        return f"up from none in {label}" if change else f"none in {label} either"
    size = (round(abs(change) * (100 if kind == "percent" else 1)) if points
            else round(abs(change) / abs(float(before)) * 100))
    shown = f"{label} ({formats.figure(before, kind)})"
    if not size:
        return f"level with {shown}"
    unit = (" pt" if size == 1 else " pts") if points else "%"
    return f"{'up' if change > 0 else 'down'} {size:,}{unit} on {shown}"


def _cohorts(model: Model, as_of: date, standing: Progress) -> pd.DataFrame:
    """Return the monthly lead-completion cohorts: outcomes, the share filled, the median days
    from the lead to a start, and the open leads at each furthest stage as columns."""
    table = cohorts(model, as_of, months=COHORT_MONTHS, standing=standing)
    if table.empty:
        return pd.DataFrame(columns=["month", "leads", "filled", "lost", "on_hold", "open",
                                     "share_filled", "days_to_start"])
    open_at = pd.DataFrame(list(table["open_by_stage"]), index=table.index)
    open_at = open_at[[stage for stage in STAGE_IDS if stage in open_at.columns]]
    open_at = open_at.fillna(0).astype("int64").add_prefix("open_at:")
    return pd.concat([table[["month", "leads", "filled", "lost", "on_hold", "open"]].assign(
        share_filled=table["filled"] / table["leads"],
        days_to_start=[days.get("started") for days in table["median_days_to"]]), open_at], axis=1)


def _speed(model: Model, as_of: date, standing: Progress) -> pd.DataFrame:
    """Return per stage the milestone events of this quarter and the last, and the median days
    from each to the next stage (activity lens)."""
    compare = quarter_on_quarter(model, as_of, standing=standing)
    rows = compare[compare["lens"] == "activity"]
    labels = {label: stage for stage, label in STAGE_LABELS.items()}
    speed = pd.DataFrame({
        "stage": rows["stage"].map(labels).to_numpy(), "label": rows["stage"].to_numpy(),
        "events": rows["count_this"].to_numpy(), "events_last": rows["count_last"].to_numpy(),
        "days_to_next": rows["days_to_next_this"].astype(float).to_numpy(),
        "days_to_next_last": rows["days_to_next_last"].astype(float).to_numpy()})
    speed["change"] = speed["days_to_next"] - speed["days_to_next_last"]
    return speed


def _consultants(book: Ledger, quarter: Period, previous: Period, as_of: date) -> pd.DataFrame:
    """Return per consultant the starts, fees and activities of the quarter and the last, the
    most starts (then fees) first."""
    now, before = (leaderboard(book, period, as_of).set_index("consultant")
                   for period in (quarter, previous))
    before = before.reindex(now.index)
    table = pd.DataFrame({"starts": now["started"], "starts_last": before["started"],
                          "fees": now["fees"], "fees_last": before["fees"],
                          "activities": now["activities"], "activities_last": before["activities"]})
    return table.sort_index(key=lambda names: names == NO_CONSULTANT, kind="stable").reset_index()


def _ratios(book: Ledger, quarter: Period, previous: Period, as_of: date) -> pd.DataFrame:
    """Return each consultant's nail-to-milestone ratios this quarter beside last quarter's."""
    now, before = (ratio_grid(book, period, as_of) for period in (quarter, previous))
    now = now.assign(ratio_last=before["ratio"].to_numpy(),
                     milestones_last=before["milestones"].to_numpy(),
                     small_sample_last=before["small_sample"].to_numpy())
    now["change"] = now["ratio"] - now["ratio_last"]
    return now[["consultant", "pair", "label", "activity_logged", "activities", "milestones",
                "ratio", "small_sample", "milestones_last", "ratio_last", "small_sample_last",
                "change", "team_median", "against_team"]]


def _client_figures(book: ClientBook, periods: tuple[Period, ...]) -> pd.DataFrame:
    """Return the client-experience figures of the three periods, with the changes."""
    frame = pd.DataFrame([{
        "figure": metric.name, "label": metric.label, "kind": metric.format,
        "higher_is_better": metric.higher_is_better,
        **dict(zip(("this", "previous", "last_year"),
                   (metric.compute(book, period) for period in periods), strict=True))}
        for metric in CLIENT_METRICS])
    frame["change"] = _difference(frame["this"], frame["previous"])
    frame["change_on_last_year"] = _difference(frame["this"], frame["last_year"])
    frame["meaning"] = [client_sentence(row, periods) for row in frame.itertuples()]
    return frame


def _client_scores(book: ClientBook, quarter: Period, previous: Period) -> pd.DataFrame:
    """Return per consultant the quarter's feedback: answers, score against last quarter's,
    testimonials, new clients and repeat business."""
    table = consultant_table(book, quarter, previous)
    return table[["consultant", "answers", "great_recruiter_score", "great_recruiter_score_before",
                  "small_sample", "testimonials", "new_clients", "repeat_business_ratio"]]


def _lapsed(book: ClientBook, quarter: Period, previous: Period) -> pd.DataFrame:
    """Return the lapsed clients, the busiest over the 12 months first."""
    table = client_table(book, quarter, previous)
    lapsed = table[table["lapsed"]]
    return lapsed[["client", "jobs_12m", "last_contact_on", "days_since_contact",
                   "flag"]].reset_index(drop=True)


def _stalled_list(leads: pd.DataFrame) -> pd.DataFrame:
    """Return the stalled leads to unstick first: those stalled for up to 90 days before the rest,
    each group deepest stage first (closest to a fee), then the biggest fee."""
    columns = ["lead_id", "consultant", "client", "stage", "label", "last_progress_on",
               "days_since_progress", "fee", "reason", "long_ago"]
    if leads.empty:
        return pd.DataFrame(columns=columns)
    ordered = leads.assign(order=leads["stage"].map(STAGE_ORDER),
                           label=leads["stage"].map(STAGE_LABELS),
                           long_ago=(leads["days_since_progress"] > LONG_OVERDUE_DAYS).astype(bool))
    ordered = ordered.sort_values(["long_ago", "order", "fee", "days_since_progress"],
                                  ascending=[True, False, False, True], kind="stable",
                                  na_position="last")
    return ordered[columns].reset_index(drop=True)


def _stalled_by_stage(leads: pd.DataFrame) -> pd.DataFrame:
    """Return the stalled leads per stage (ladder order): how many, how many of them for over 90
    days, their fees, the stage's threshold."""
    by_stage = leads.assign(long_ago=leads["days_since_progress"] > LONG_OVERDUE_DAYS).groupby("stage")
    counts, long_ago = by_stage["lead_id"].count(), by_stage["long_ago"].sum()
    fees = by_stage["fee"].sum(min_count=1)
    stages = [stage for stage in STAGE_IDS if stage in counts.index]
    return pd.DataFrame({
        "stage": stages, "label": [STAGE_LABELS[stage] for stage in stages],
        "stalled": [int(counts[stage]) for stage in stages],
        "long_ago": [int(long_ago[stage]) for stage in stages],
        "fees": [float(fees[stage]) if pd.notna(fees[stage]) else None for stage in stages],
        "threshold": [DEFAULT_THRESHOLDS.get(stage) for stage in stages]})


def _checkins(checkins: pd.DataFrame, quarter: Period) -> pd.DataFrame:
    """Return per consultant the check-ins due in the quarter by status, and the share done of
    those done or missed."""
    due = checkins[quarter.contains(checkins["due_on"]).fillna(False).to_numpy(bool)]
    counts = pd.crosstab(due["consultant"].fillna(NO_CONSULTANT), due["status"])
    counts = counts.reindex(columns=list(STATUS_LABELS), fill_value=0)
    closed = counts["done"] + counts["overdue"]
    table = counts.assign(completion=(counts["done"] / closed.where(closed > 0)).astype(float))
    return table.rename_axis(index="consultant", columns=None).reset_index()


def counting_rules(forecast: dict) -> list[tuple[str, str]]:
    """Return the counting rules behind the pack: the quarter's own, each headline and client
    figure's definition, and the forecast's method."""
    rules = [(text.split("**")[1].strip("."), text.replace("**", ""))
             for text in _bullets(__doc__)]
    rules += [(metric.label, metric.definition.replace(_ACTIVITY_LENS, "").strip())
              for metric in METRICS]
    rules += [("Activity lens", _ACTIVITY_LENS),
              ("Lead completion cohorts", "Leads generated per month and where each stands on "
               "the as-of date: filled (started), lost or on hold (by its status), or open at its "
               "furthest stage. Share filled = filled ÷ leads of the cohort.")]
    rules += [(metric.label, metric.definition) for metric in CLIENT_METRICS]
    rules += [("Stalled lead", "An open lead whose last progress is older than its stage allows "
               f"({_thresholds()}; a resigned candidate with no start date), with no next action "
               "dated from the as-of date."),
              ("Check-ins", "Done when a dated contact with the candidate falls within "
               f"{WINDOW_DAYS} days of the date due; overdue once those days have passed; a "
               f"starter is at risk after {AT_RISK_DAYS} days without contact."),
              ("Fee forecast", str(forecast.get("method") or ""))]
    return rules


def _thresholds() -> str:
    """Return the default stall thresholds in words, a run of stages with the same one together
    ("Lead generated to CVs sent: 7 days")."""
    runs: list[list] = []
    for stage, days in DEFAULT_THRESHOLDS.items():
        if days is None:
            continue
        if runs and runs[-1][2] == days:
            runs[-1][1] = stage
        else:
            runs.append([stage, stage, days])
    return "; ".join(f"{STAGE_PHRASES[first]}"
                     + (f" to {_lower_first(STAGE_PHRASES[last])}" if last != first else "")
                     + f": {days} days" for first, last, days in runs)


def _bullets(doc: str | None) -> list[str]:
    """Return the bulleted rules of a docstring, each on one line."""
    text = (doc or "").split("\n\n", 2)[-1]
    return [" ".join(item.split()) for item in text.split("\n- ") if "**" in item]


def curve_note(curve: pd.DataFrame, as_of: date, weeks: int = 12) -> str:
    """Return how the latest cohort whose every lead is `weeks` old stood at that age, against the
    median of the cohorts before it at the same age."""
    at = curve[curve["weeks"] == weeks].set_index("cohort")["share_filled"] if len(curve) else None
    if at is not None:
        month_ends = pd.PeriodIndex(at.index, freq="M").end_time.normalize()
        at = at[month_ends + pd.Timedelta(weeks=weeks) <= pd.Timestamp(as_of)]
    if at is None or at.empty:
        return f"No monthly cohort is {weeks} weeks old yet."
    latest, share = at.index[-1], at.iloc[-1]
    month = pd.Period(latest, "M").strftime("%B %Y")
    if len(at) == 1:
        return (f"{weeks} weeks after the lead date, {formats.percent(share)} of the {month} "
                "leads were filled.")
    earlier = float(at.iloc[:-1].median())
    return (f"{weeks} weeks after the lead date, {formats.percent(share)} of the {month} leads "
            f"were filled, against a median of {formats.percent(earlier)} for the "
            f"{len(at) - 1} monthly cohorts before it at the same age.")


def speed_note(speed: pd.DataFrame, quarter: Period, previous: Period) -> str:
    """Return at how many stages leads moved on faster or slower than last quarter."""
    timed = speed.dropna(subset=["change"])
    if timed.empty:
        return f"Too few dated stages in {quarter.label} and {previous.label} to compare speed."
    faster, slower = timed[timed["change"] < 0], timed[timed["change"] > 0]
    worst = slower.loc[slower["change"].idxmax()] if len(slower) else None
    text = (f"Against {previous.label}, leads moved on faster at {len(faster)} of {len(timed)} "
            f"stages and slower at {len(slower)}")
    if worst is None:
        return text + "."
    return (text + f"; the biggest slow-down is after {worst['label']}: "
            f"{days_text(worst['days_to_next'])} days, from {days_text(worst['days_to_next_last'])}.")


def days_text(value: float) -> str:
    """Return a number of days as people read it: 4, 4.5; a dash when unknown."""
    return formats.DASH if formats.missing(value) else f"{value:,.1f}".removesuffix(".0")
