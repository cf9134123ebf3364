"""What reading files gives back: a report per sheet and per file, and the model they made."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from recruit_dash.ingest.mapping import ColumnMapping
from recruit_dash.ingest.names import MergeProposal, merge_proposals
from recruit_dash.ingest.profiles import Profile
from recruit_dash.model import Model


@dataclass
class SheetReport:
    """What we understood of one sheet and how every one of its rows was used."""

    name: str
    role: str
    reason: str = ""
    header_row: int | None = None  # counted from 1, as Excel does
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_blank: int = 0
    columns: tuple[ColumnMapping, ...] = ()
    shape: str = ""
    notes: list[str] = field(default_factory=list)
    unmapped_values: dict[str, dict[str, int]] = field(default_factory=dict)
    quarantined: pd.DataFrame = field(default_factory=pd.DataFrame)
    hidden: bool = False
    rows_trimmed: int = 0  # empty rows after the data, outside the rows read
    profile_applied: str | None = None  # the name of the user's profile applied to this sheet
    shape_headers: tuple[str, ...] = ()  # the headers that identify the sheet's shape in a profile
    top_rows: tuple[tuple[str, ...], ...] = ()  # the first rows' cells, to choose a header row


@dataclass
class FileReport:
    """One uploaded file: readable or not, and its sheets."""

    path: str
    ok: bool
    error: str | None = None
    sheets: list[SheetReport] = field(default_factory=list)
    sha256: str = ""
    same_as: str | None = None  # an earlier file of the same upload with identical bytes
    limited: bool = False  # refused at a time or memory limit: worth reading again, never kept


@dataclass
class Ingested:
    """The result of reading files: what we understood of each, and the pipeline model."""

    files: list[FileReport]
    model: Model
    profile: Profile | None = None
    unmerged: Model | None = field(default=None, repr=False)  # the model before name merges
    _proposals: list[MergeProposal] | None = field(default=None, repr=False)

    @property
    def name_merges(self) -> list[MergeProposal]:
        """Names that may be one person or company, worked out when first asked for (only the
        Data page and `inspect` need them; on 50,000 leads they take most of a second)."""
        if self._proposals is None:
            self._proposals = merge_proposals(self.unmerged or self.model, self.profile)
        return self._proposals

