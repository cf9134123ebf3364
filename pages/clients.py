"""Clients: repeat business, referrals, testimonials, the Great Recruiter Score, and who has gone
quiet ("would they pick up if they saw your number?")."""

import streamlit as st

from recruit_dash import formats
from recruit_dash.metrics import client_tables, client_trends, clients
from recruit_dash.metrics.client_tables import CLIENT_COLUMNS, CONSULTANT_COLUMNS
from recruit_dash.metrics.clients import ClientFigure
from recruit_dash.metrics.clients import __doc__ as RULES
from recruit_dash.outputs import charts
from recruit_dash.periods import period_to_date, same_point_before
from recruit_dash.ui import components, state

MONEY, SCORE = "£%,.0f", "%+.0f"
PERCENT_COLUMNS = {"repeat_business_ratio", "referral_rate"}
FORMATS = {"fees": MONEY, "fees_before": MONEY, "great_recruiter_score": SCORE,
           "great_recruiter_score_before": SCORE}


def figure_cards_ui(figures: list[ClientFigure], per_row: int = 3) -> None:
    """Draw one card per client figure with its change on the previous period."""
    columns = [column for _ in range(0, len(figures), per_row) for column in st.columns(per_row)]
    for column, figure in zip(columns, figures, strict=False):
        components.change_card(column, figure.metric.label, figure.text, figure.change,
                               figure.metric.format, figure.metric.higher_is_better,
                               figure.metric.definition)


def table_ui(frame, columns: dict[str, tuple[str, str]], key: str) -> None:
    """Show a client or consultant table with each column's label and definition."""
    config = {}
    for column, (label, definition) in columns.items():
        if column.endswith("_on"):
            config[column] = st.column_config.DateColumn(label, help=definition, format="DD/MM/YYYY")
        elif column in PERCENT_COLUMNS:
            config[column] = components.percent_column(label, help=definition)
        elif column in FORMATS:
            config[column] = st.column_config.NumberColumn(label, help=definition, format=FORMATS[column])
        else:
            config[column] = st.column_config.Column(label, help=definition)
    st.dataframe(
        frame, hide_index=True, placeholder=components.MISSING, width="stretch", column_config=config,
        column_order=list(columns), key=key
    )


def with_labels(frame, columns: dict[str, tuple[str, str]]):
    """Return the table's columns, in order, under their labels: what a download shows."""
    return frame[list(columns)].rename(columns={column: label for column, (label, _) in columns.items()})


ingested, as_of = components.page_start("Clients")
book = state.client_book(ingested, as_of)
kind = components.period_picker("clients", default="quarter")
period = period_to_date(as_of, kind)
previous = same_point_before(period, kind)
components.as_of_caption(as_of)
st.subheader(period.label)
st.caption(
    f"Changes compare with {previous.label}: the same number of days into the previous "
    f"{kind}. Hover over a figure for its definition."
)
has_feedback = not book.feedback.empty
figures = clients.client_figures(book, period, previous)
if not has_feedback:
    st.info(
        "No client feedback in your data, so there is no Great Recruiter Score and no "
        "testimonial count. Add a sheet of client survey answers (client, consultant, date, "
        "score 0–10, referral, testimonial) to see them.",
        icon=":material/info:",
    )
    figures = [
        figure for figure in figures if figure.metric.name not in ("great_recruiter_score", "testimonials")
    ]
figure_cards_ui(figures)
with st.expander("How these figures are counted"):
    components.rules(RULES)

st.subheader("Clients")
st.caption(
    "Every client we have seen, with its leads over the 12 months to the as-of date, the "
    f"period's pipeline against {previous.label}, its score to date and when we last "
    "touched it. Click a column heading to sort; hover over it for its definition."
)
search = st.text_input("Find a client", key="clients_search", placeholder="Part of a client's name")
table = client_tables.client_table(book, period, previous)
shown = client_tables.matching_clients(table, search)
if search.strip():
    st.caption(f"{len(shown):,} of {len(table):,} clients match “{components.escape_markdown(search)}”.")
table_ui(shown, CLIENT_COLUMNS, "clients_table")
components.downloads(with_labels(shown, CLIENT_COLUMNS), "clients", "clients_download")

st.subheader("By consultant")
st.caption(
    f"Pipeline figures beside client figures, {period.label}. Leads and jobs count leads "
    "generated in the period; fills and fees count starts in it; scores and testimonials "
    "count the feedback answers dated in it and naming the consultant."
)
consultants = client_tables.consultant_table(book, period, previous)
table_ui(consultants, CONSULTANT_COLUMNS, "clients_consultants")
components.downloads(with_labels(consultants, CONSULTANT_COLUMNS), "clients_by_consultant",
                     "clients_consultants_download")

st.subheader("Score distribution")
if not has_feedback:
    st.info("No client feedback in your data.")
else:
    window = (
        st.segmented_control(
            "Answers",
            options=["period", "to date"],
            default="period",
            format_func={"period": period.label, "to date": "All answers to date"}.get,
            key="clients_score_window",
        )
        or "period"
    )
    distribution = client_tables.score_distribution(book, period if window == "period" else None)
    if not distribution["answers"].any():
        st.info(f"No feedback answers dated in {period.label}.")
    else:
        st.plotly_chart(
            charts.score_distribution_chart(
                distribution, "Answers by score: promoters 9–10, passives 7–8, detractors 0–6"
            ),
            width="stretch",
            key="clients_score_chart",
        )

st.subheader("Relationship shape")
st.caption(
    "A few clients who use you again and again are worth more than many one-off ones. "
    "Over the 12 months to the as-of date: clients by their number of leads, and how much "
    "of the fees came from repeat clients and from the top five."
)
shape = client_trends.concentration(book)
left, middle, right = st.columns(3)
left.metric(
    "Clients, 12 months",
    f"{shape['clients']:,}",
    border=True,
    help="Clients with at least one lead generated in the 12 months to the as-of date.",
)
middle.metric(
    "Fees from repeat clients",
    formats.percent(shape["repeat_fee_share"]),
    border=True,
    help="Fees of starts in the 12 months from clients with 2 or more leads in them, "
    "÷ all fees of starts in the 12 months.",
)
right.metric(
    "Fees from the top five clients",
    formats.percent(shape["top_five_fee_share"]),
    border=True,
    help="Fees of the five clients with the most fees in the 12 months, ÷ all those fees.",
)
st.dataframe(
    client_trends.relationship_shape(book),
    hide_index=True, placeholder=components.MISSING,
    width="stretch",
    key="clients_shape",
    column_config={
        "group": "Clients with",
        "clients": "Clients",
        "leads": "Leads",
        "fees": st.column_config.NumberColumn("Fees", format=MONEY),
        "share_of_clients": components.percent_column("Share of clients"),
        "share_of_fees": components.percent_column("Share of fees"),
    },
)
st.caption(
    "Quarter on quarter: each row looks back 12 months from the quarter's end (the "
    "current quarter from the as-of date)."
)
quarters = client_trends.shape_by_quarter(book)
quarter_columns = {
    "quarter": "Quarter",
    "to": st.column_config.DateColumn("12 months to", format="DD/MM/YYYY"),
    "clients": "Clients",
    "one_off": "1 lead",
    "two_to_three": "2–3 leads",
    "four_plus": "4+ leads",
    "repeat_business_ratio": components.percent_column("Repeat business ratio"),
    "fees": st.column_config.NumberColumn("Fees", format=MONEY),
    "repeat_fee_share": components.percent_column("Share of fees from repeat clients"),
    "top_five_fee_share": components.percent_column("Share of fees from the top five"),
}
st.dataframe(
    quarters,
    hide_index=True, placeholder=components.MISSING,
    width="stretch",
    key="clients_shape_quarters",
    column_config=quarter_columns,
)
components.downloads(components.as_shown(quarters, quarter_columns), "relationship_shape_by_quarter",
                     "clients_shape_download")
