"""What source headers and status values mean: the synonyms of every canonical field, as data."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from recruit_dash.model import ACTIVITY_KINDS, FILLED, LADDER, LOST, ON_HOLD, OPEN, STAGE_ORDER

# Synonyms are written normalised (see `normalise_header`). Fields shared by several roles are
# listed under each role, because "Date" means a lead date on a tracker and an activity date on a
# log.
FIELD_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "leads": {
        "lead_id": ("lead id", "lead ref", "id", "ref", "reference", "job id", "job ref",
                    "req id", "requisition id", "vacancy id", "vacancy ref", "opportunity id",
                    "deal id", "record id", "candidate id", "candidate id number", "application id",
                    "candidate", "lead no", "lead number"),
        "created_on": ("date generated", "lead date", "date added", "created", "created on",
                       "date created", "opened", "date opened", "applied on", "application date",
                       "applied date", "date", "new application date", "date applied",
                       "created date", "lead generated"),
        "consultant": ("consultant", "recruiter", "owner", "lead owner", "account manager",
                       "sales agent", "agent", "recruiter name", "consultant name", "assigned to",
                       "recruiter owner", "user", "rep"),
        "client": ("client", "company", "client name", "company name", "account", "employer",
                   "customer", "organisation", "organization", "hiring company"),
        "contact": ("contact", "client contact", "hiring manager", "contact name"),
        "candidate": ("candidate name", "name", "full name", "fullname", "applicant",
                      "applicant name"),
        "role": ("job title", "role", "position", "position title", "vacancy", "job", "title",
                 "job name", "opening"),
        "source": ("source", "lead source", "application source", "channel", "origin"),
        "status": ("status", "current status", "lead status", "current stage", "stage",
                   "deal stage", "pipeline stage", "furthest recruiting stage reached",
                   "recruitment stages", "application status"),
        "next_action_on": ("next action", "next action date", "next call", "follow up",
                           "follow up date", "next contact", "call back", "recontact date",
                           "next step date"),
        "fee": ("fee", "fee gbp", "expected fee", "placement fee", "value", "deal value",
                "close value", "revenue", "fee amount"),
        "notes": ("notes", "comments", "comment", "remarks", "note"),
        "decision": ("decision", "screening decision", "selection status", "screening result",
                     "screening status"),
        "stage": ("stage name", "activity type", "event", "milestone"),
        "stage_on": ("date when reached the stage", "stage date", "event date", "activity date",
                     "date reached", "milestone date"),
    },
    "activities": {
        "consultant": ("consultant", "recruiter", "recruiter name", "consultant name", "owner",
                       "user", "name", "agent"),
        "on": ("date", "week commencing", "week starting", "week", "activity date", "w c",
               "week beginning", "on", "day"),
        "kind": ("activity type", "type", "activity", "kind", "action"),
        "count": ("count", "number", "qty", "quantity", "total"),
        "lead_id": ("lead id", "job id", "related job", "related position", "req id",
                    "candidate id"),
        "client": ("client", "related client", "company", "account"),
    },
    "placements": {
        "placement_id": ("placement id", "placement ref", "placement no", "id"),
        "lead_id": ("lead id", "job id", "req id", "job ref"),
        "candidate": ("candidate", "candidate name", "placed candidate", "name", "starter"),
        "client": ("client", "company", "client name", "employer"),
        "consultant": ("consultant", "recruiter", "owner"),
        "start_on": ("start date", "started", "start", "joining date", "join date", "started on"),
        "probation_end_on": ("probation end", "probation end date", "probation ends",
                             "end of probation"),
        "fee": ("fee", "fee gbp", "placement fee", "invoice value", "fee amount"),
        "checkin_on": ("check in", "checkin", "check in date", "follow up call",
                       "aftercare call"),
    },
    "feedback": {
        "client": ("client", "company", "client name", "account"),
        "consultant": ("consultant", "recruiter", "owner"),
        "on": ("date", "survey date", "response date", "answered on"),
        "score": ("score", "score 0 10", "nps", "rating", "recommend score",
                  "likelihood to recommend", "great recruiter score"),
        "referral": ("referral", "referral given", "referred", "gave referral"),
        "testimonial": ("testimonial", "testimonial given", "testimonial collected"),
    },
}

# Fields whose presence tells a sheet's role; a sheet needs some of these to take that role.
ROLE_SIGNALS: dict[str, tuple[str, ...]] = {
    "leads": ("status", "stage", "next_action_on", "role", "created_on"),
    "activities": ("kind", "on"),
    "placements": ("start_on", "probation_end_on", "checkin_on", "placement_id"),
    "feedback": ("score", "referral", "testimonial"),
}

# Sheets named like this are never records.
IGNORED_SHEET_NAMES: dict[str, str] = {
    "pivot": "pivot table",
    "dashboard": "dashboard",
    "chart": "chart",
    "legend": "data dictionary",
    "dictionary": "data dictionary",
    "lookup": "lookup list",
    "summary": "summary report, not records",
    "instructions": "instructions",
    "readme": "instructions",
    "intermediate": "pivot table",
}

TICKS = frozenset({"✓", "✔", "☑", "y", "yes", "x", "1", "true", "done", "tick"})
# How a step went, in a column of one step's results ("1st Round Status", "interview_result",
# "offer_status"): "pass" and "fail" both mean the step happened (a failed interview was held, a
# declined offer was made), except a start, which a "fail" (dropped, no-show) did not reach;
# "pending" and "absent" mean it has not happened.
PASS, FAIL, PENDING, ABSENT = "pass", "fail", "pending", "absent"
RESULT_WORDS: dict[str, str] = {
    **dict.fromkeys(("selected", "cleared", "clear", "pass", "passed", "approved", "accepted",
                     "shortlisted", "qualified", "successful", "positive", "progressed", "go",
                     "hired", "joined", "placed", "started", "completed", "done", "attended",
                     "held", "recommended", "moved forward", "next round", "ok"), PASS),
    **dict.fromkeys(("rejected", "reject", "failed", "fail", "declined", "decline",
                     "not selected", "unsuccessful", "not cleared", "dropped", "drop",
                     "withdrawn", "withdrew", "not suitable", "negative", "no go",
                     "not recommended", "did not join", "not joined", "backed out", "no show",
                     "absconded", "refused"), FAIL),
    **dict.fromkeys(("pending", "awaited", "awaiting", "awaiting feedback", "in progress",
                     "scheduled", "on hold", "hold", "tbd", "tba", "to be scheduled",
                     "feedback pending", "waiting", "in process"), PENDING),
    **dict.fromkeys(("not applicable", "n a", "na", "none", "nil", "no offer", "not scheduled",
                     "not started", "no interview", "cancelled", "canceled"), ABSENT),
}
YES = frozenset({"y", "yes", "true", "1", "✓", "✔", "x"})
NO = frozenset({"n", "no", "false", "0"})

_status_entries: list[tuple[str, str | None, str | None]] = [
    # (normalised text, stage, outcome)
    ("new lead", "lead", OPEN), ("new", "lead", OPEN), ("lead", "lead", OPEN),
    ("new application", "lead", OPEN), ("applied", "lead", OPEN), ("prospecting", "lead", OPEN),
    ("meeting booked", "meeting", OPEN), ("meeting agreed", "meeting", OPEN),
    ("engaging", "meeting", OPEN),
    ("job on", "job", OPEN), ("job registered", "job", OPEN), ("live", "job", OPEN),
    ("cvs sent", "shortlist", OPEN), ("cv sent", "shortlist", OPEN),
    ("submitted", "shortlist", OPEN), ("submited", "shortlist", OPEN),
    ("shortlisted", "shortlist", OPEN), ("resume submitted", "shortlist", OPEN),
    ("interviewing", "interview", OPEN), ("interview", "interview", OPEN),
    ("interview scheduled", "interview", OPEN), ("interview booked", "interview", OPEN),
    ("interviewed", "interview_done", OPEN), ("in house interview", "interview_done", OPEN),
    ("2nd interview", "second_interview", OPEN), ("second interview", "second_interview", OPEN),
    ("final interview", "second_interview", OPEN),
    ("offer made", "offer", OPEN), ("offered", "offer", OPEN), ("offer", "offer", OPEN),
    ("offer sent", "offer", OPEN), ("offer extended", "offer", OPEN),
    ("offer released", "offer", OPEN),
    ("offer accepted", "accepted", OPEN), ("accepted", "accepted", OPEN),
    ("resigned", "resigned", OPEN),
    ("placed", "started", FILLED), ("placement", "started", FILLED),
    ("started", "started", FILLED), ("joined", "started", FILLED), ("hired", "started", FILLED),
    ("won", "started", FILLED), ("deployed", "started", FILLED),
    ("onboarded", "started", FILLED), ("filled", None, FILLED),
    ("probation passed", "probation", FILLED), ("probation completed", "probation", FILLED),
    ("on hold", None, ON_HOLD), ("hold", None, ON_HOLD), ("paused", None, ON_HOLD),
    ("lost", None, LOST), ("rejected", None, LOST), ("reject", None, LOST),
    ("withdrawn", None, LOST), ("withdrew", None, LOST), ("withdraw", None, LOST),
    ("whitdraw", None, LOST), ("credit note", None, LOST), ("dropped", None, LOST),
    ("dropped out", None, LOST), ("drop out", None, LOST), ("dropout", None, LOST),
    ("offer declined", "offer", LOST), ("declined", None, LOST), ("decline", None, LOST),
    ("closed", None, LOST), ("cancelled", None, LOST), ("canceled", None, LOST),
    ("unsuccessful", None, LOST), ("fell through", None, LOST), ("backed out", None, LOST),
    ("no show", None, LOST), ("open", None, OPEN),
    # a decision on a step: the lead goes on, or does not
    ("selected", None, OPEN), ("approved", None, OPEN), ("cleared", None, OPEN),
    ("not selected", None, LOST), ("in process", None, OPEN), ("in progress", None, OPEN),
]
STATUS_VOCABULARY: dict[str, tuple[str | None, str | None]] = {
    text: (stage, outcome) for text, stage, outcome in _status_entries
}
for _stage in LADDER:
    for _name in (_stage.label, *_stage.synonyms):
        STATUS_VOCABULARY.setdefault(re.sub(r"[^a-z0-9]+", " ", _name.lower()).strip(),
                                     (_stage.id, OPEN))

# A status not listed whole is read word by word: an outcome word anywhere in it decides ("Closed
# Won" is won, "Offer Declined" lost), and stage words give the stage it reached. The words come
# from the vocabulary above: outcome words are its entries with an outcome and no stage, or a
# start that fills the lead; stage words its other entries naming a stage. Column-title synonyms
# ("start date") and a bare "start" (awaited more often than done) are not status words.
OUTCOME_WORDS: dict[str, tuple[str | None, str | None]] = {
    text: (stage, outcome) for text, (stage, outcome) in STATUS_VOCABULARY.items()
    if stage is None and outcome is not None or stage == "started" and outcome != OPEN
}
STAGE_WORDS: dict[str, str] = {
    text: stage for text, (stage, outcome) in STATUS_VOCABULARY.items()
    if stage and (outcome == OPEN or STAGE_ORDER[stage] > STAGE_ORDER["started"])
    and text not in OUTCOME_WORDS and "date" not in text.split() and text != "start"
}
# "Closed" on its own is a loss; beside another outcome word ("Closed Won") that word decides.
CLOSING_WORD = "closed"
# When outcome words disagree the first of these wins: "Placed - withdrawn" is a fall-off.
OUTCOME_PRECEDENCE = (LOST, ON_HOLD, FILLED, OPEN)
# A stage or win named after one of these did not happen: "No offer", "Not hired", "Withdrawn
# before interview", "Awaiting start".
NEGATIONS = frozenset({"no", "not", "never", "without", "non", "before", "pre", "prior",
                       "awaiting", "pending", "waiting", "yet"})
NEGATION_REACH = 2  # words after a negation that it still applies to ("not yet hired")
# A win or an offer that went to someone else is a loss: "Filled direct", "Hired elsewhere",
# "Accepted another offer", "Lost to competitor offer".
ELSEWHERE = frozenset({"elsewhere", "direct", "directly", "internal", "internally", "competitor",
                       "another", "other"})
MAX_PHRASE_WORDS = max(len(text.split()) for text in (*OUTCOME_WORDS, *STAGE_WORDS))

ACTIVITY_KIND_VOCABULARY: dict[str, str] = {}
for _kind in ACTIVITY_KINDS:
    for _name in (_kind.id.replace("_", " "), _kind.label, *_kind.synonyms):
        ACTIVITY_KIND_VOCABULARY.setdefault(re.sub(r"[^a-z0-9]+", " ", _name.lower()).strip(),
                                            _kind.id)

_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def clean_header(text: object) -> str:
    """Return a header as the user reads it: one line, no stray or non-breaking spaces."""
    if text is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(text))).strip()


def normalise_header(text: object) -> str:
    """Return a header reduced to lower-case words for matching ("Fee (£)" -> "fee gbp")."""
    cleaned = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", clean_header(text))
    cleaned = cleaned.lower().replace("£", " gbp ").replace("#", " no ")
    return _NON_WORD.sub(" ", cleaned).strip()


@lru_cache(maxsize=4096)
def status_meaning(value: str) -> tuple[str | None, str | None] | None:
    """Return (stage, outcome) for a status text, or None when we do not know it."""
    key = normalise_header(value)
    if not key:
        return None
    if key in STATUS_VOCABULARY:
        return STATUS_VOCABULARY[key]
    return _meaning_of_words(key.split())


def _meaning_of_words(words: list[str]) -> tuple[str | None, str | None] | None:
    """Return (stage, outcome) read from a status's words, or None when they do not say."""
    stages: list[str] = []
    outcomes: list[tuple[str | None, str | None]] = []
    closing = negated = elsewhere = False
    recognised = reach = position = 0
    while position < len(words):
        phrase, length = _phrase_at(words, position)
        if phrase is None:
            word = words[position]
            reach = NEGATION_REACH if word in NEGATIONS else max(reach - 1, 0)
            elsewhere |= word in ELSEWHERE
            recognised += word in NEGATIONS or word in ELSEWHERE
            position += 1
            continue
        recognised += length
        position += length
        if reach:
            negated, reach = True, 0
        elif phrase == CLOSING_WORD:
            closing = True
        elif phrase in OUTCOME_WORDS:
            outcomes.append(OUTCOME_WORDS[phrase])
        else:
            stages.append(STAGE_WORDS[phrase])
    found = {outcome for _, outcome in outcomes}
    if elsewhere and (FILLED in found or {"offer", "accepted"} & set(stages)):
        return None, LOST
    outcome = next((choice for choice in OUTCOME_PRECEDENCE if choice in found),
                   LOST if closing else None)
    if outcome is None:
        # Stage words alone must be most of the status: "Technical interview" is an interview,
        # a note typed in the status column ("client accepted another candidate") is not.
        if negated or not stages or 2 * recognised < len(words):
            return None
        stage = max(stages, key=STAGE_ORDER.__getitem__)
        return stage, FILLED if STAGE_ORDER[stage] >= STAGE_ORDER["started"] else OPEN
    if outcome == FILLED:
        stages += [stage for stage, _ in outcomes if stage]
    return max(stages, key=STAGE_ORDER.__getitem__) if stages else None, outcome


def _phrase_at(words: list[str], position: int) -> tuple[str | None, int]:
    """Return the longest status phrase starting at a word, and its length in words."""
    for length in range(min(MAX_PHRASE_WORDS, len(words) - position), 0, -1):
        phrase = " ".join(words[position:position + length])
        if phrase in OUTCOME_WORDS or phrase in STAGE_WORDS:
            return phrase, length
    return None, 1
