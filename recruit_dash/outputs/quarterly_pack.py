"""The quarterly review pack: the owner's quarter as an A4 PDF for the workflow review, readable on
paper. Every figure comes from `quarterly_review`, which the workbook draws too; drawn with the
shared pack helpers of `outputs.pdf` (fpdf2, matplotlib charts as PNG, DejaVu Sans), no browser,
no network, every name drawn as typed.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from fpdf.enums import XPos, YPos
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from recruit_dash import formats
from recruit_dash.metrics.aftercare import NO_RECORDS, STATUS_LABELS
from recruit_dash.metrics.funnel import Progress
from recruit_dash.metrics.ratios import NOT_IN_DATA, SMALL_SAMPLE
from recruit_dash.model import Model
from recruit_dash.outputs.pdf import (
    FONT,
    PackDocument,
    chart,
    chart_axes,
    document,
    heading,
    paragraph,
    printable,
    table,
    tidy,
)
from recruit_dash.outputs.quarterly import QuarterlyReview, days_in, days_text, quarterly_review
from recruit_dash.periods import Period

PEOPLE = 25  # consultants in a table of the PDF; the workbook holds every one
LISTED = 12  # rows of a list (stalled leads, lapsed clients, at-risk starters); the workbook: all
PARTS = ("the quarter at a glance", "lead completion cohorts", "speed", "per consultant",
         "client experience", "stalled leads and aftercare", "the fee forecast",
         "the counting rules")


def quarterly_pack(model: Model, as_of: date, *, standing: Progress | None = None) -> bytes:
    """Return the quarterly review pack PDF for the quarter holding the as-of date (from the
    page's own standing of the leads, when it has one)."""
    return review_pdf(quarterly_review(model, as_of, standing=standing))


def review_pdf(review: QuarterlyReview) -> bytes:
    """Return the pack of an already computed review, one part to a page."""
    pdf = document(f"Quarterly review: {review.quarter.label}",
                   f"Quarterly review · {review.quarter.label}")
    for part in (_glance_page, _cohorts_page, _speed_page, _consultants_page, _clients_page,
                 _stalled_page, _forecast_page, _rules_page):
        pdf.add_page()
        part(pdf, review)
    return bytes(pdf.output())


def _span(period: Period) -> str:
    return f"{period.start:%-d %b %Y} – {period.end:%-d %b %Y}"


def _glance_page(pdf: PackDocument, review: QuarterlyReview) -> None:
    """Draw the cover: which quarter, against what, the headline figures and what they mean."""
    pdf.set_font(FONT, "B", 20)
    pdf.multi_cell(0, 10, printable(f"Quarterly review: {review.quarter.label}"),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    so_far = (f", {days_in(review.quarter)} days so far" if review.partial else "")
    paragraph(pdf, f"Figures as of {review.as_of:%A %-d %B %Y}. This quarter "
                   f"({_span(review.quarter)}{so_far}) against the whole of {review.previous.label} "
                   f"({_span(review.previous)}) and the same days a year earlier, "
                   f"{review.last_year.label} ({_span(review.last_year)}).", 10.5)
    paragraph(pdf, "For the quarterly workflow review with the whole team. Inside: "
                   + ", ".join(PARTS) + ".", 10)
    heading(pdf, "The quarter at a glance")
    glance = review.glance
    rows = []
    for row in glance.itertuples():
        if not row.supported:
            rows.append([f"{row.label}: {NOT_IN_DATA}", *(formats.DASH,) * 6])
            continue
        show = lambda value, kind=row.kind: formats.figure(value, kind)  # noqa: E731
        rows.append([row.label, show(row.this), show(row.pace), show(row.previous),
                     formats.signed(row.change, row.kind), show(row.last_year),
                     formats.signed(row.change_on_last_year, row.kind)])
    header = ["Figure", "This quarter", "At this pace", review.previous.label,
              "Change at this pace" if review.partial else "Change", review.last_year.label,
              "Change"]
    if not review.partial:
        header, rows = _without(header, rows, 2)
    table(pdf, header, rows, (48, 21, 21, 23, 21, 26, 20) if review.partial
          else (56, 26, 28, 24, 28, 24), 8.5)
    heading(pdf, "What it means")
    for line in glance["meaning"]:
        paragraph(pdf, f"• {line}", 9.5)
    paragraph(pdf, "Counts and fees of the activity lens: events dated in each period, whenever "
                   "the lead began. The counting rules are on the last page.", 8, "I")


def _without(header: list[str], rows: list[list[str]], column: int) -> tuple[list, list]:
    """Return a table without one of its columns."""
    return ([cell for index, cell in enumerate(header) if index != column],
            [[cell for index, cell in enumerate(row) if index != column] for row in rows])


def _cohorts_page(pdf: PackDocument, review: QuarterlyReview) -> None:
    """Draw the lead completion cohorts: the table, and the filled curve."""
    heading(pdf, "Lead completion cohorts")
    paragraph(pdf, "Of the leads generated each month, how many are filled, lost, on hold or "
                   f"still open on {review.as_of:%-d %b %Y} (“could you identify all the leads you "
                   "generated in October and say which are now filled?”).", 9.5)
    if review.cohorts.empty:
        paragraph(pdf, "No dated leads to group into cohorts.", 10)
        return
    rows = [[pd.Period(row.month, "M").strftime("%b %Y"), formats.count(row.leads),
             formats.count(row.filled), formats.count(row.lost), formats.count(row.on_hold),
             formats.count(row.open), formats.percent(row.share_filled),
             formats.count(row.days_to_start)] for row in review.cohorts.itertuples()]
    table(pdf, ["Lead month", "Leads", "Filled", "Lost", "On hold", "Open", "Share filled",
                "Median days lead → start"], rows, (24, 16, 16, 16, 18, 16, 24, 50), 8.5)
    if len(review.filled_curve):
        chart(pdf, filled_curve_chart(review.filled_curve), 105)
    paragraph(pdf, review.curve_note, 9.5)


def filled_curve_chart(curve: pd.DataFrame) -> Figure:
    """Return one line per monthly cohort of the share filled by weeks since the lead date, each
    named at its end, older cohorts darker."""
    figure, axes = chart_axes(height=4.4)
    axis = axes[0, 0]
    names = sorted(curve["cohort"].unique())
    palette = colormaps["viridis"]
    for index, name in enumerate(names):
        rows = curve[curve["cohort"] == name]
        colour = palette(0.75 * index / max(1, len(names) - 1))  # the palette's end is too pale
        axis.plot(rows["weeks"], rows["share_filled"], color=colour, linewidth=1.4)
        axis.annotate(pd.Period(name, "M").strftime("%b %y"),
                      (rows["weeks"].iloc[-1], rows["share_filled"].iloc[-1]),
                      xytext=(3, 0), textcoords="offset points", fontsize=6.5, color=colour,
                      va="center")
    tidy(axis, "Share of each monthly cohort filled, by weeks since the lead date")
    axis.set_xlabel("Weeks since the lead date", fontsize=7.5)
    axis.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axis.set_ylim(bottom=0)
    axis.set_xlim(0, curve["weeks"].max() * 1.08 + 1)
    return figure


def _speed_page(pdf: PackDocument, review: QuarterlyReview) -> None:
    """Draw the time in stage of this quarter against the last, as a table and bars."""
    heading(pdf, "Speed: time in stage, this quarter against last")
    paragraph(pdf, f"For the milestones dated in {review.quarter.label} and in "
                   f"{review.previous.label}: how many there were, and the median days from each "
                   "to the lead's next dated stage. Fewer days is faster.", 9.5)
    speed = review.speed
    rows = [[row.label, formats.count(row.events), formats.count(row.events_last),
             days_text(row.days_to_next), days_text(row.days_to_next_last),
             _days_change(row.change)] for row in speed.itertuples()]
    table(pdf, ["Stage", "Events this quarter", "Events last quarter",
                "Median days to next, this quarter", "Median days to next, last quarter",
                "Change"], rows, (48, 24, 24, 28, 28, 28), 8.5)
    paragraph(pdf, review.speed_note, 9.5)
    timed = speed.dropna(subset=["days_to_next", "days_to_next_last"])
    if len(timed):
        chart(pdf, speed_chart(timed, review.quarter.label, review.previous.label), 95)


def _days_change(value: float) -> str:
    if formats.missing(value):
        return formats.DASH
    if value == 0:
        return formats.NO_CHANGE
    days = days_text(abs(value))
    return f"{days} day{'' if days == '1' else 's'} {'slower' if value > 0 else 'faster'}"


def speed_chart(speed: pd.DataFrame, this: str, last: str) -> Figure:
    """Return paired horizontal bars of the median days to the next stage, ladder order downward:
    this quarter dark, last quarter light."""
    figure, axes = chart_axes(height=4.2)
    axis = axes[0, 0]
    places = np.arange(len(speed))
    axis.barh(places - 0.2, speed["days_to_next"].fillna(0), 0.4, color="#333333",
              label=printable(this))
    axis.barh(places + 0.2, speed["days_to_next_last"].fillna(0), 0.4, color="#bbbbbb",
              edgecolor="#777777", label=printable(last))
    axis.set_yticks(places, [printable(label) for label in speed["label"]], fontsize=7)
    axis.invert_yaxis()
    tidy(axis, "Median days from each stage to the next")
    axis.grid(axis="x", color="#dddddd", linewidth=0.6)
    axis.grid(axis="y", visible=False)
    axis.legend(fontsize=7, frameon=False, loc="upper right")
    return figure


def _consultants_page(pdf: PackDocument, review: QuarterlyReview) -> None:
    """Draw each consultant's starts, fees and activities, then their ratios and the change."""
    heading(pdf, "Per consultant")
    this, last = review.quarter.label, review.previous.label
    shown = review.consultants.head(PEOPLE)  # the most starts, then the most fees
    rows = [[row.consultant, formats.count(row.starts), formats.count(row.starts_last),
             formats.money(row.fees), formats.money(row.fees_last), formats.count(row.activities),
             formats.count(row.activities_last)] for row in shown.itertuples()]
    if rows:
        table(pdf, ["Consultant", f"Starts, {this}", f"Starts, {last}", f"Fees, {this}",
                    f"Fees, {last}", f"Activities, {this}", f"Activities, {last}"], rows,
              (42, 20, 20, 26, 26, 23, 23), 8)
        _more(pdf, len(review.consultants), "with the most starts")
    else:
        paragraph(pdf, "No consultants in this data.", 10)
    heading(pdf, "Nails per milestone, this quarter (change on last quarter)", 12)
    ratios = review.ratios
    if ratios.empty:
        paragraph(pdf, "No ratios: the data has no consultants or no activities.", 10)
        return
    # A ratio whose nails the data never logs is one column of "not in your data": named below.
    logged = ratios.groupby("label", sort=False)["activity_logged"].any()
    labels, missing = list(logged.index[logged]), list(logged.index[~logged])
    people = [person for person in shown["consultant"] if person in set(ratios["consultant"])]
    if not labels:
        paragraph(pdf, "Your data logs no activities, so there are no nail-to-milestone ratios.", 10)
        return
    cells = {(row.consultant, row.label): _ratio_cell(row) for row in ratios.itertuples()}
    team = ratios.drop_duplicates("label").set_index("label")
    rows = [[person, *(cells[(person, label)] for label in labels)] for person in people]
    rows.append(["Team median", *(_ratio(team.at[label, "team_median"]) for label in labels)])
    width = (pdf.epw - 34) / max(1, len(labels))
    table(pdf, ["Consultant", *labels], rows, (34, *(width,) * len(labels)), 7)
    paragraph(pdf, "Each cell: nails (activities, or offers for offers per start) per milestone "
                   "this quarter, then the change on last quarter. Fewer nails per milestone is "
                   "better, so a fall is an improvement. * = a small sample (fewer than "
                   f"{SMALL_SAMPLE} milestones this quarter); – = no milestone to divide by.", 7.5,
              "I")
    if missing:
        paragraph(pdf, f"Not in your data (no such activity logged): {', '.join(missing)}.", 8)
    _more(pdf, len(review.consultants), "with the most starts")


def _ratio(value: float) -> str:
    return formats.DASH if formats.missing(value) else f"{value:,.1f}"


def _ratio_cell(row) -> str:
    """Return a ratio and its change on last quarter, a small sample starred."""
    if formats.missing(row.ratio):
        return formats.DASH
    star = "*" if row.small_sample else ""
    # A space, not a line break: a narrow column wraps the change under the ratio.
    change = "" if formats.missing(row.change) else f" ({row.change:+,.1f})".replace("-", "−")
    return f"{row.ratio:,.1f}{star}{change}"


def _clients_page(pdf: PackDocument, review: QuarterlyReview) -> None:
    """Draw the client-experience figures, the score by consultant and the lapsed clients."""
    heading(pdf, "Client experience")
    rows = [[row.label, formats.figure(row.this, row.kind), formats.figure(row.previous, row.kind),
             formats.signed(row.change, row.kind), formats.figure(row.last_year, row.kind),
             formats.signed(row.change_on_last_year, row.kind)]
            for row in review.clients.itertuples()]
    table(pdf, ["Figure", "This quarter", review.previous.label, "Change",
                review.last_year.label, "Change"], rows, (50, 24, 26, 26, 28, 26), 8.5)
    for line in review.clients["meaning"]:
        paragraph(pdf, f"• {line}", 9)
    paragraph(pdf, "Repeat business and lapsed clients are measured over the 12 months to each "
                   "period's end.", 8, "I")
    _room(pdf, 40)
    heading(pdf, f"Great Recruiter Score by consultant, {review.quarter.label}", 12)
    scores = review.client_scores.sort_values(["answers", "consultant"], ascending=[False, True],
                                              kind="stable")
    rows = [[row.consultant, formats.count(row.answers),
             formats.figure(row.great_recruiter_score, "score") + ("*" if row.small_sample
                                                                   and row.answers else ""),
             formats.figure(row.great_recruiter_score_before, "score"),
             formats.count(row.testimonials), formats.count(row.new_clients),
             formats.percent(row.repeat_business_ratio)]
            for row in scores.head(PEOPLE).itertuples()]
    if rows:
        table(pdf, ["Consultant", "Answers", "Score", f"Score, {review.previous.label}",
                    "Testimonials", "New clients", "Repeat business"], rows,
              (42, 20, 20, 26, 24, 22, 26), 8)
        paragraph(pdf, "* = fewer than 5 answers behind the score.", 7.5, "I")
        _more(pdf, len(scores), "with the most answers")
    _room(pdf, 40)
    heading(pdf, "Lapsed clients: touched in the 12 months, not in the last 90 days", 12)
    lapsed = review.lapsed
    if lapsed.empty:
        paragraph(pdf, "No lapsed clients.", 10)
        return
    rows = [[row.client, formats.count(row.jobs_12m), _date(row.last_contact_on),
             formats.count(row.days_since_contact)] for row in lapsed.head(LISTED).itertuples()]
    table(pdf, ["Client", "Leads, 12 months", "Last contact", "Days since contact"], rows,
          (80, 32, 34, 34), 8.5)
    if len(lapsed) > LISTED:
        paragraph(pdf, f"{len(lapsed) - LISTED:,} more in the workbook.", 8, "I")


def _date(value: object) -> str:
    return formats.DASH if pd.isna(value) else f"{pd.Timestamp(value):%-d %b %Y}"


def _stalled_page(pdf: PackDocument, review: QuarterlyReview) -> None:
    """Draw the stalled leads by stage, the ones to unstick first, and the aftercare."""
    heading(pdf, f"Stalled leads on {review.as_of:%-d %b %Y}")
    stalled, by_stage = review.stalled, review.stalled_by_stage
    long_ago = int(stalled["long_ago"].sum()) if len(stalled) else 0
    paragraph(pdf, f"{len(stalled):,} of {review.open_leads:,} open leads are stalled; "
                   f"{long_ago:,} of them have had no progress for over 90 days.", 10)
    if len(by_stage):
        rows = [[row.label, formats.count(row.stalled), formats.count(row.long_ago),
                 formats.money(row.fees), formats.count(row.threshold)]
                for row in by_stage.itertuples()]
        table(pdf, ["Furthest stage", "Stalled", "Over 90 days", "Fees at stake",
                    "Stalled after (days)"], rows, (60, 24, 28, 34, 34), 8.5)
        _room(pdf, 50)
        heading(pdf, "The stalled leads to unstick first", 12)
        rows = [[row.lead_id, row.consultant, row.client, formats.money(row.fee), row.reason]
                for row in stalled.head(LISTED).itertuples()]
        table(pdf, ["Lead", "Consultant", "Client", "Fee", "Why it is stalled"], rows,
              (20, 30, 38, 18, 74), 7.5, text_last=True, text_columns=3)
        paragraph(pdf, "Stalled for up to 90 days first, deepest stage first, then the biggest "
                       "fee; every stalled lead is in the workbook.", 7.5, "I")
    _room(pdf, 50)
    heading(pdf, f"Aftercare: check-ins due in {review.quarter.label}")
    if not review.checkin_records:
        paragraph(pdf, NO_RECORDS, 8.5, "I")
    checkins = review.checkins
    due = checkins.drop(columns=["consultant", "completion"]).sum(axis=1)
    checkins = checkins.loc[due.sort_values(ascending=False, kind="stable").index]
    if checkins.empty:
        paragraph(pdf, "No check-ins were due in the quarter.", 10)
    else:
        # Without check-in records a missed check-in is "not recorded", never overdue.
        missed = "overdue" if review.checkin_records else "not_recorded"
        rows = [[row.consultant, formats.count(row.done), formats.count(row.due),
                 formats.count(getattr(row, missed)), formats.count(row.upcoming),
                 formats.percent(row.completion)] for row in checkins.head(PEOPLE).itertuples()]
        table(pdf, ["Consultant", "Done", "Due now", STATUS_LABELS[missed], "Upcoming",
                    "Done of those closed"], rows, (50, 22, 24, 26, 26, 32), 8.5)
        _more(pdf, len(checkins), "with the most check-ins due")
    _room(pdf, 40)
    heading(pdf, "Starters at risk: no contact for 31 days or more", 12)
    if review.at_risk.empty:
        paragraph(pdf, "No starter is at risk.", 10)
        return
    rows = [[row.candidate, row.client, row.consultant, _date(row.start_on),
             formats.count(row.days_without_contact)]
            for row in review.at_risk.head(LISTED).itertuples()]
    table(pdf, ["Candidate", "Client", "Consultant", "Started", "Days without contact"], rows,
          (36, 50, 36, 26, 32), 8.5, text_columns=3)


def _forecast_page(pdf: PackDocument, review: QuarterlyReview) -> None:
    """Draw the fee forecast: the expected fees, by stage with the counts behind each
    probability, and by consultant."""
    forecast = review.forecast
    heading(pdf, f"Fee forecast: {formats.money(forecast.get('expected_fees'))} expected from "
                 "the open pipeline", 15)
    paragraph(pdf, str(forecast.get("method") or ""), 9.5)
    stages = review.forecast_stages
    if stages.empty:
        paragraph(pdf, "No open leads to forecast.", 10)
    else:
        rows = [[row.label + ("*" if row.small_sample else "")
                 + ("†" if row.from_whole_history else ""), formats.count(row.open_leads),
                 formats.percent(row.probability), formats.count(row.closed_leads_behind),
                 formats.money(row.expected)] for row in stages.itertuples()]
        table(pdf, ["Furthest stage", "Open leads", "Chance of a start", "Closed leads behind it",
                    "Expected fees"], rows, (60, 26, 30, 34, 30), 8.5)
        paragraph(pdf, "* = a small sample of closed leads behind the probability; † = measured "
                       "on the whole history, the 12 months holding too few.", 7.5, "I")
    consultants = review.forecast_consultants
    if len(consultants):
        _room(pdf, 40)
        heading(pdf, "By consultant", 12)
        rows = [[row.consultant, formats.count(row.open_leads), formats.money(row.expected)]
                for row in consultants.head(PEOPLE).itertuples()]
        table(pdf, ["Consultant", "Open leads", "Expected fees"], rows, (80, 40, 40), 8.5)
        _more(pdf, len(consultants), "with the most expected")


def _rules_page(pdf: PackDocument, review: QuarterlyReview) -> None:
    """Draw the counting rules behind every figure of the pack, each led by its name in bold."""
    heading(pdf, "How these figures are counted")
    for title, text in review.rules:
        rest = text[len(title):] if text.startswith(title) else f": {text}"
        pdf.set_font(FONT, "B", 8)
        pdf.write(4, printable(title))
        pdf.set_font(FONT, "", 8)
        pdf.write(4, printable(rest))
        pdf.ln(5.5)


def _more(pdf: PackDocument, total: int, which: str) -> None:
    """Say how many consultants a table leaves out for the workbook, when it leaves any out."""
    if total > PEOPLE:
        paragraph(pdf, f"The {PEOPLE} consultants {which}; {total - PEOPLE:,} more in the "
                       "workbook.", 8, "I")


def _room(pdf: PackDocument, height: float) -> None:
    """Start a new page unless `height` mm are left: a heading never ends a page alone."""
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
