"""The quarterly review as an Excel workbook: the same figures as the PDF pack (both come from
`quarterly_review`), one sheet per table of each part, in the pack's order. Values only (no
formula), dates as dates, money in pounds and shares as percentages; every text is typed as text
by `export.xlsx_bytes`, so a name like "=HYPERLINK(...)" shows as typed and never runs."""

from __future__ import annotations

from datetime import date

import pandas as pd

from recruit_dash.metrics.aftercare import STATUS_LABELS
from recruit_dash.metrics.funnel import Progress
from recruit_dash.model import STAGE_LABELS, Model
from recruit_dash.outputs.export import EXCEL_MONEY_FORMAT, xlsx_bytes
from recruit_dash.outputs.quarterly import QuarterlyReview, quarterly_review

PERCENT_FORMAT = "0%"
KIND_FORMATS = {"money": EXCEL_MONEY_FORMAT, "percent": PERCENT_FORMAT}
# The columns of shares, by sheet, shown as percentages.
SHARE_COLUMNS = {"Cohorts": {"Share filled"}, "Filled curve": {"Share filled"},
                 "Client scores": {"Repeat business"}, "Check-ins": {"Done of those closed"},
                 "Forecast by stage": {"Chance of a start"}}


def quarterly_workbook(model: Model, as_of: date, *, standing: Progress | None = None) -> bytes:
    """Return the quarterly review workbook (.xlsx) for the quarter holding the as-of date."""
    return review_workbook(quarterly_review(model, as_of, standing=standing))


def review_workbook(review: QuarterlyReview) -> bytes:
    """Return the workbook of an already computed review."""
    sheets = review_sheets(review)
    shares = {title: dict.fromkeys(headers, PERCENT_FORMAT) for title, headers in SHARE_COLUMNS.items()}
    return xlsx_bytes(sheets, column_formats=shares, row_formats=_row_formats(review))


def review_sheets(review: QuarterlyReview) -> dict[str, pd.DataFrame]:
    """Return every table of the review under its sheet name, columns under people's labels."""
    this, last, year = (period.label for period in
                        (review.quarter, review.previous, review.last_year))
    glance, clients = review.glance, review.clients
    forecast = review.forecast
    window = forecast.get("window") or {}
    return {
        "Quarters compared": pd.DataFrame({
            "Period": ["This quarter", "Previous quarter", "Same quarter last year"],
            "Label": [this, last, year],
            "From": pd.to_datetime([period.start for period in
                                    (review.quarter, review.previous, review.last_year)]),
            "To": pd.to_datetime([period.end for period in
                                  (review.quarter, review.previous, review.last_year)])}),
        "At a glance": pd.DataFrame({
            "Figure": glance["label"], "This quarter": glance["this"],
            "At this pace": glance["pace"], last: glance["previous"],
            f"Change on {last}{' at this pace' if review.partial else ''}": glance["change"],
            year: glance["last_year"],
            f"Change on {year}": glance["change_on_last_year"],
            "What it means": glance["meaning"]}).astype({"At this pace": float}),
        "Cohorts": review.cohorts.rename(columns={
            "month": "Lead month", "leads": "Leads", "filled": "Filled", "lost": "Lost",
            "on_hold": "On hold", "open": "Open", "share_filled": "Share filled",
            "days_to_start": "Median days lead to start",
            **{f"open_at:{stage}": f"Open at {label}" for stage, label in STAGE_LABELS.items()}}),
        "Filled curve": review.filled_curve.rename(columns={
            "cohort": "Lead month", "weeks": "Weeks since the lead", "share_filled": "Share filled"}),
        "Speed": review.speed.drop(columns="stage").rename(columns={
            "label": "Stage", "events": "Events this quarter", "events_last": "Events last quarter",
            "days_to_next": "Median days to next, this quarter",
            "days_to_next_last": "Median days to next, last quarter", "change": "Change in days"}),
        "Consultants": review.consultants.rename(columns={
            "consultant": "Consultant", "starts": f"Starts, {this}", "starts_last": f"Starts, {last}",
            "fees": f"Fees, {this}", "fees_last": f"Fees, {last}",
            "activities": f"Activities, {this}", "activities_last": f"Activities, {last}"}),
        "Ratios": review.ratios.drop(columns="pair").rename(columns={
            "consultant": "Consultant", "label": "Ratio", "activity_logged": "Nails logged",
            "activities": "Nails this quarter", "milestones": "Milestones this quarter",
            "ratio": "Ratio this quarter", "small_sample": "Small sample this quarter",
            "milestones_last": "Milestones last quarter", "ratio_last": "Ratio last quarter",
            "small_sample_last": "Small sample last quarter", "change": "Change in the ratio",
            "team_median": "Team median this quarter", "against_team": "Against the team"}),
        "Clients": pd.DataFrame({
            "Figure": clients["label"], "This quarter": clients["this"], last: clients["previous"],
            f"Change on {last}": clients["change"], year: clients["last_year"],
            f"Change on {year}": clients["change_on_last_year"],
            "Higher is better": clients["higher_is_better"], "What it means": clients["meaning"]}),
        "Client scores": review.client_scores.rename(columns={
            "consultant": "Consultant", "answers": "Answers",
            "great_recruiter_score": "Great Recruiter Score",
            "great_recruiter_score_before": f"Great Recruiter Score, {last}",
            "small_sample": "Small sample", "testimonials": "Testimonials",
            "new_clients": "New clients", "repeat_business_ratio": "Repeat business"}),
        "Lapsed clients": review.lapsed.rename(columns={
            "client": "Client", "jobs_12m": "Leads, 12 months", "last_contact_on": "Last contact",
            "days_since_contact": "Days since contact", "flag": "Flag"}),
        "Stalled by stage": review.stalled_by_stage.drop(columns="stage").rename(columns={
            "label": "Furthest stage", "stalled": "Stalled", "long_ago": "Over 90 days",
            "fees": "Fees at stake", "threshold": "Stalled after (days)"}),
        "Stalled leads": review.stalled.drop(columns="stage").rename(columns={
            "lead_id": "Lead", "consultant": "Consultant", "client": "Client",
            "label": "Furthest stage", "last_progress_on": "Last progress",
            "days_since_progress": "Days since progress", "fee": "Fee",
            "reason": "Why it is stalled", "long_ago": "Over 90 days"}),
        "Check-ins": review.checkins.rename(columns={
            "consultant": "Consultant", **STATUS_LABELS, "completion": "Done of those closed"}),
        "At-risk starters": review.at_risk.rename(columns={
            "placement_id": "Placement", "candidate": "Candidate", "client": "Client",
            "consultant": "Consultant", "start_on": "Started", "last_contact_on": "Last contact",
            "days_without_contact": "Days without contact"}),
        "Forecast": pd.DataFrame({
            "As of": [pd.Timestamp(review.as_of)],
            "Expected fees": [forecast.get("expected_fees")],
            "Closed leads from": [pd.to_datetime(window.get("from"))],
            "Closed leads to": [pd.to_datetime(window.get("to"))],
            "Median fee": [forecast.get("median_fee")],
            "Number of open leads without a fee": [forecast.get("leads_without_fee")],
            "Method": [forecast.get("method")]}).astype({"Expected fees": float,
                                                         "Median fee": float}),
        "Forecast by stage": review.forecast_stages.drop(columns="stage").rename(columns={
            "label": "Furthest stage", "open_leads": "Open leads",
            "probability": "Chance of a start", "closed_leads_behind": "Closed leads behind it",
            "small_sample": "Small sample", "from_whole_history": "From the whole history",
            "expected": "Expected fees"}),
        "Forecast by consultant": review.forecast_consultants.rename(columns={
            "consultant": "Consultant", "open_leads": "Open leads", "expected": "Expected fees"}),
        "Counting rules": pd.DataFrame(review.rules, columns=["Rule", "How it is counted"]),
    }


def _row_formats(review: QuarterlyReview) -> dict[str, list[str | None]]:
    """Return, for the sheets of mixed figures, each row's number format by its kind (money,
    a share), None for a count or a score."""
    return {"At a glance": [KIND_FORMATS.get(kind) for kind in review.glance["kind"]],
            "Clients": [KIND_FORMATS.get(kind) for kind in review.clients["kind"]]}
