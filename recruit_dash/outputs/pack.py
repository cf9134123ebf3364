"""The coaching pack: one consultant's period as an A4 PDF for a one-to-one, readable on paper.

Drawn with the shared pack helpers of `outputs.pdf` (fpdf2, matplotlib charts as PNG, DejaVu Sans):
no browser, no network, every text drawn as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import matplotlib
import pandas as pd
from fpdf.enums import XPos, YPos
from matplotlib.figure import Figure

from recruit_dash.metrics.consultant_trends import (
    biggest_leak,
    figure_changes,
    funnel_against_team,
    weekly_activity,
    weekly_milestones,
)
from recruit_dash.metrics.funnel import Progress
from recruit_dash.metrics.ratio_ledger import (
    CREDIT_LABELS,
    DEFAULT_PAIRS,
    TRAILING_DAYS,
    Ledger,
    RatioPair,
    ledger,
)
from recruit_dash.metrics.ratios import NOT_IN_DATA, STANDING_WORDS, ratio_grid
from recruit_dash.metrics.targets import Targets, coming_period, default_goal, per_week, targets
from recruit_dash.model import ACTIVITY_KIND_LABELS, STAGE_LABELS, Model
from recruit_dash.outputs.pdf import (
    FONT,
    PackDocument,
    chart,
    chart_axes,
    document,
    heading,
    literal_text,
    paragraph,
    printable,
    table,
    tidy,
)
from recruit_dash.periods import Period

MIN_TREND_WEEKS = 13
LINE_STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "x")


@dataclass(frozen=True)
class PackContent:
    """Everything the pack shows, computed before any drawing."""

    consultant: str
    period: Period
    as_of: date
    credit: str
    changes: pd.DataFrame
    ratios: pd.DataFrame
    activity_weeks: pd.DataFrame
    milestone_weeks: pd.DataFrame
    comparison: pd.DataFrame
    leak: str
    goal: Targets
    goal_period: Period


def pack_content(model: Model, consultant: str, start: date, end: date, as_of: date,
                 credit: str = "owner", placements: float | None = None,
                 pairs: tuple[RatioPair, ...] = DEFAULT_PAIRS,
                 standing: Progress | None = None, book: Ledger | None = None,
                 team: Model | None = None) -> PackContent:
    """Return the figures, ratios, trends, funnel and targets of one consultant's pack; their
    funnel against `team`'s leads when given (`Scoped.team_funnel`), else the model's."""
    book = book or ledger(model, credit)
    if consultant not in book.consultants:
        raise ValueError(f"No consultant called {consultant!r} in the data")
    period = Period(start, end, f"{start:%d %b %Y} – {end:%d %b %Y}")
    grid = ratio_grid(book, period, as_of, pairs, [consultant])
    trend = Period(min(start, end - timedelta(weeks=MIN_TREND_WEEKS)), end, "")
    goal_period = coming_period(as_of, "month")
    goal = placements or default_goal(book, as_of, consultant, "month")
    comparison = funnel_against_team(model, consultant, period, as_of, standing, team=team)
    return PackContent(
        consultant, period, as_of, credit, figure_changes(book, consultant, period, as_of, pairs),
        grid,
        weekly_activity(book, consultant, trend, as_of),
        weekly_milestones(book, consultant, trend, as_of), comparison,
        biggest_leak(comparison) if len(comparison) else "No milestones dated in this period.",
        targets(book, as_of, consultant, goal, pairs), goal_period)


def coaching_pack(model: Model, consultant: str, start: date, end: date, as_of: date,
                  credit: str = "owner", placements: float | None = None,
                  pairs: tuple[RatioPair, ...] = DEFAULT_PAIRS,
                  standing: Progress | None = None, book: Ledger | None = None,
                  team: Model | None = None) -> bytes:
    """Return the coaching pack PDF of one consultant for a period (from the page's own ledger,
    when it has one; against `team`'s funnel when given, as `pack_content`)."""
    content = pack_content(model, consultant, start, end, as_of, credit, placements, pairs,
                           standing, book, team)
    pdf = document(f"Coaching pack: {content.consultant}",
                   f"Coaching pack · {content.consultant}")
    _cover(pdf, content)
    _figures_page(pdf, content)
    _trends_page(pdf, content)
    _funnel_and_targets_page(pdf, content)
    return bytes(pdf.output())


def _count(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:,.0f}"


def _ratio(value: float) -> str:
    return "–" if pd.isna(value) else f"{value:,.1f}"


def _money(value: float) -> str:
    return "–" if pd.isna(value) else f"£{value:,.0f}"


def _signed(value: float, money: bool = False, places: int = 0) -> str:
    if pd.isna(value):
        return "–"
    if value == 0:
        return "no change"
    text = f"{abs(value):,.{places}f}"
    return ("+" if value > 0 else "−") + ("£" if money else "") + text


def _cover(pdf: PackDocument, content: PackContent) -> None:
    """Draw the first page: who, when, and how to read the pack."""
    pdf.add_page()
    pdf.set_font(FONT, "B", 20)
    pdf.multi_cell(0, 10, printable(f"Coaching pack: {content.consultant}"),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    paragraph(pdf, f"Period {content.period.label} · figures as of {content.as_of:%d %B %Y} · "
                   f"activities credited to {CREDIT_LABELS[content.credit].lower()}.", 11)
    paragraph(pdf, "A starting point for a one-to-one, not a scorecard. Activities (calls, BD "
                   "calls, CVs sent, meetings) are the nails; milestones (meetings agreed, "
                   "shortlists, interviews, offers, starts) are what they build. Everyone's "
                   "conversion differs, so targets here come from this consultant's own ratios, "
                   "not a blanket minimum.", 10)
    figures = content.changes.set_index("key")
    headline = [("Placements (starts)", _count(figures.at["started", "now"])),
                ("Fees from starts", _money(figures.at["fees", "now"])),
                ("All activities", _count(figures.at["all", "now"]) if "all" in figures.index
                 else "0")]
    heading(pdf, "At a glance")
    table(pdf, ["Figure", "This period", "Previous period", "Change"],
          [[label, value, _previous(figures, key), _change(figures, key)]
           for (label, value), key in zip(headline, ("started", "fees", "all"), strict=True)],
          (70, 35, 40, 35), 10)
    _ratios(pdf, content)
    heading(pdf, "Where the chain leaks most")
    paragraph(pdf, content.leak, 10)


def _previous(figures: pd.DataFrame, key: str) -> str:
    if key not in figures.index:
        return "0"
    value = figures.at[key, "before"]
    return _money(value) if key == "fees" else _count(value)


def _change(figures: pd.DataFrame, key: str) -> str:
    if key not in figures.index:
        return "no change"
    return _signed(figures.at[key, "change"], money=key == "fees")


def change_sentences(changes: pd.DataFrame, limit: int = 5) -> list[str]:
    """Return the period-on-period changes worth talking about, in coaching words."""
    lines = []
    counts = changes[changes["figure"].isin(["milestones", "placements"])
                     & (changes["change"] != 0)]
    for row in counts.itertuples():
        direction = "up" if row.change > 0 else "down"
        lines.append(f"{row.label}: {row.now:,.0f}, {direction} from {row.before:,.0f}.")
    ratios = changes[(changes["figure"] == "ratio") & changes["change"].notna()]
    ratios = ratios.assign(size=(ratios["change"] / ratios["before"]).abs())
    for row in ratios.sort_values("size", ascending=False).head(3).itertuples():
        if row.change == 0:
            continue
        better = row.change < 0
        lines.append(f"{row.label}: {row.now:,.1f}, from {row.before:,.1f} — "
                     + ("fewer nails per milestone than before." if better
                        else "more nails per milestone than before; worth a look together."))
    return lines[:limit + 3] or ["No change in milestones or ratios against the previous period."]


def _figures_page(pdf: PackDocument, content: PackContent) -> None:
    """Draw the headline figures against the previous period, and what changed in words."""
    pdf.add_page()
    days = (content.period.end - content.period.start).days + 1
    heading(pdf, "Headline figures against the previous period")
    paragraph(pdf, f"Previous period: the {days} days just before this one. Milestones count "
                   "leads reaching the stage in the period (activity lens).", 9)
    rows = []
    for row in content.changes[content.changes["figure"] != "ratio"].itertuples():
        money = row.figure == "fees"
        show = _money if money else _count
        rows.append([row.label, show(row.now), show(row.before), _signed(row.change, money)])
    table(pdf, ["Figure", "This period", "Previous period", "Change"], rows, (75, 35, 40, 30))
    heading(pdf, "What changed since the previous period")
    for line in change_sentences(content.changes):
        paragraph(pdf, f"• {line}", 10)


def _ratios(pdf: PackDocument, content: PackContent) -> None:
    """Draw the consultant's ratios against the team median."""
    heading(pdf, "Nails per milestone against the team")
    rows = []
    for row in content.ratios.itertuples():
        standing = STANDING_WORDS.get(row.against_team, "no ratio") if row.against_team else (
            "no milestones" if row.milestones == 0 else "no team figure")
        if row.small_sample and pd.notna(row.ratio):
            standing += " (small sample)"
        if not row.activity_logged:
            rows.append([row.label, "–", f"{row.milestones:,}", "–", "–",
                         f"{NOT_IN_DATA}: none logged"])
            continue
        rows.append([row.label, _count(row.activities), f"{row.milestones:,}", _ratio(row.ratio),
                     _ratio(row.team_median), standing])
    table(pdf, ["Ratio", "Nails", "Milestones", "Ratio", "Team median", "Against the team"],
          rows, (52, 16, 21, 17, 20, 54), 8.5, text_last=True)
    paragraph(pdf, "Ratio = nails (activities, or offers for offers per start) in the period ÷ "
                   "milestones in the period; fewer nails per milestone is better. Around = "
                   "within 10% of the team median, the middle of every consultant's ratio for "
                   "the same period. A ratio is blank when there was no milestone to divide by, "
                   "and not in your data when the data logs no activity of that kind at all; "
                   "fewer than 5 milestones is a small sample.", 8, "I")


def _trends_page(pdf: PackDocument, content: PackContent) -> None:
    """Draw the weekly activity and milestone trends."""
    pdf.add_page()
    heading(pdf, "Activity by week")
    chart(pdf, activity_chart(content.activity_weeks, content.consultant), 95)
    heading(pdf, "Milestones by week")
    chart(pdf, milestone_chart(content.milestone_weeks, content.consultant), 95)


def _funnel_and_targets_page(pdf: PackDocument, content: PackContent) -> None:
    """Draw their funnel against the team's and their targets beside the blanket minimum."""
    pdf.add_page()
    heading(pdf, "Their funnel against the team's")
    if len(content.comparison) > 1:
        chart(pdf, funnel_chart(content.comparison, content.consultant), 80)
    paragraph(pdf, content.leak, 10)
    goal = content.goal
    heading(pdf, f"Targets for {goal.placements:,.0f} placement"
                 f"{'s' if goal.placements != 1 else ''} in {content.goal_period.label}")
    paragraph(pdf, f"At {content.consultant}'s own ratios over the {TRAILING_DAYS} days "
                   f"{goal.window.start:%d %b} – {goal.window.end:%d %b %Y}, beside what a "
                   "blanket team minimum (the team's median ratios) would ask.", 9.5)
    weekly = per_week(goal.needed, content.goal_period)
    rows = [[ACTIVITY_KIND_LABELS.get(kind, "All activities"), _count_or_dash(value),
             _count_or_dash(weekly[kind]), _count_or_dash(goal.team_needed[kind]),
             NOT_IN_DATA if kind in goal.not_logged
             else "team median used" if kind in goal.from_team_median else ""]
            for kind, value in goal.needed.items()]
    table(pdf, ["Activity", "Needed", "Per week", "Team minimum", "Note"], rows,
          (45, 25, 25, 30, 55), text_last=True)
    steps = ", ".join(f"{STAGE_LABELS[stage]} {value:,}" for stage, value
                      in goal.milestones_needed.items() if value is not None)
    if steps:
        paragraph(pdf, f"Milestones on the way: {steps}.", 9.5)
    for note in goal.notes + [
            "A link of the chain with no data of their own uses the team median, marked above.",
            "Needed = goal × activities per milestone × each stage per next stage up to a start, "
            "rounded up."]:
        paragraph(pdf, note, 8, "I")


def _count_or_dash(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def activity_chart(weeks: pd.DataFrame, consultant: str) -> Figure:
    """Return small multiples of weekly activity, one panel per kind (their scales differ)."""
    labels = list(dict.fromkeys(weeks["label"])) if len(weeks) else []
    columns = 3
    rows = max(1, -(-len(labels) // columns))
    figure, axes = chart_axes(rows, columns, 2.3 * rows + 0.4)
    for index, axis in enumerate(axes.flat):
        if index >= len(labels):
            axis.set_visible(False)
            continue
        data = weeks[weeks["label"] == labels[index]]
        axis.plot(data["week"], data["count"], color="black", marker="o", markersize=2.5,
                  linewidth=1.2)
        tidy(axis, labels[index])
        axis.set_ylim(bottom=0)
        axis.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d %b"))
        axis.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
    if not labels:
        axes[0, 0].text(0.5, 0.5, "No activity logged in these weeks", ha="center")
    figure.suptitle(printable(f"{consultant}: activities per week (week commencing)"), fontsize=10,
                    x=0.01, ha="left")
    return literal_text(figure)


def milestone_chart(weeks: pd.DataFrame, consultant: str) -> Figure:
    """Return one line per milestone stage of leads reaching it each week."""
    figure, axes = chart_axes(height=4.2)
    axis = axes[0, 0]
    for index, (label, data) in enumerate(weeks.groupby("label", sort=False)):
        if not data["count"].any():
            continue
        axis.plot(data["week"], data["count"], color=str(0.75 * index / max(1, weeks["label"]
                                                                             .nunique())),
                  linestyle=LINE_STYLES[index % len(LINE_STYLES)],
                  marker=MARKERS[index % len(MARKERS)], markersize=3.5, linewidth=1.3,
                  label=printable(label))
    tidy(axis, f"{consultant}: leads reaching each milestone per week (week commencing)")
    axis.set_ylim(bottom=0)
    axis.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d %b"))
    axis.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    if axis.get_legend_handles_labels()[0]:
        axis.legend(fontsize=7, frameon=False, ncols=3, loc="upper center",
                    bbox_to_anchor=(0.5, -0.08))
    else:
        axis.text(0.5, 0.5, "No dated milestones in these weeks", ha="center",
                  transform=axis.transAxes)
    return literal_text(figure)


def funnel_chart(comparison: pd.DataFrame, consultant: str) -> Figure:
    """Return grouped bars of step conversion per stage: the consultant's beside the team's."""
    rows = comparison.iloc[1:].reset_index(drop=True)
    figure, axes = chart_axes(height=3.8)
    axis = axes[0, 0]
    positions = pd.Series(range(len(rows)), dtype=float)
    width = 0.38
    mine = rows["step"].astype(float).fillna(0)
    team = rows["step_team"].astype(float).fillna(0)
    bars = axis.bar(positions - width / 2, mine, width, color="#333333")
    team_bars = axis.bar(positions + width / 2, team, width, color="#bbbbbb", edgecolor="#777777")
    # Events can outnumber the stage before, so a step is a rate per event, never a percentage.
    for bar, value, count in zip(bars, mine, rows["count"], strict=True):
        axis.text(bar.get_x() + bar.get_width() / 2, value + 0.02, f"{value:.2f}\n({count:,})",
                  ha="center", fontsize=6.5)
    axis.set_xticks(positions, [printable(f"→ {label}") for label in rows["label"]], fontsize=7)
    axis.set_ylim(0, max(1.0, float(max(mine.max(), team.max())) + 0.2))
    tidy(axis, "Step: events at this stage per event at the stage before, dated in the period")
    # Handed over with its labels, a name starting with "_" still shows (matplotlib hides labels
    # that start with one).
    axis.legend([bars, team_bars], [printable(consultant), "Team"], fontsize=7, frameon=False,
                loc="upper right")
    return literal_text(figure)
