"""Row-level rules on typed records, declared as pandera schemas and applied lazily.

A row that breaks a rule is quarantined with the rule's words as its reason, never dropped.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

RULES: dict[str, pa.DataFrameSchema] = {
    "feedback": pa.DataFrameSchema(
        {"score": pa.Column("Float64", pa.Check.in_range(0, 10, error="score is outside 0-10"),
                            nullable=True)},
        coerce=False,
    ),
}


# Pandera sets up its checking machinery on the first validation (a tenth of a second); done here,
# once per process, every parse child forked from this one starts with it ready.
RULES["feedback"].validate(pd.DataFrame({"score": pd.array([], dtype="Float64")}), lazy=True)


def row_reasons(frame: pd.DataFrame, table: str, reasons: pd.Series) -> pd.Series:
    """Return reasons with each row that breaks one of the table's rules given the rule's words."""
    schema = RULES.get(table)
    if schema is None:
        return reasons
    try:
        schema.validate(frame, lazy=True)
        return reasons
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    out = reasons.copy()
    for index, check in zip(cases["index"], cases["check"], strict=False):
        if index is not None and index in out.index and out[index] == "":
            out[index] = str(check)
    return out
