"""Headers read by meaning: a header is words, and its words name an ordinal, an event, a state,
a date and what the column is about. The vocabulary is data, in `lexicon.py`.

"Date of offer", "Offer date", "Candidate start date", "Req raised on", "Second intvw scheduled"
and "Interview 2 held" are all understood without being listed anywhere: the words say it. An
ordinal never matches another ordinal; unknown words are ignored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from recruit_dash.ingest.lexicon import (
    EVENTS,
    NEUTRAL,
    NUMBERED,
    ORDINALS,
    ROUND_EVENTS,
    SPANS,
    STATES,
    THINGS,
    WEAK_WHEN,
    WHEN,
)
from recruit_dash.model import ACTIVITY_KINDS, STAGE_ORDER

TYPO_MIN_LENGTH = 5  # words this long or longer may be matched to a close spelling
TYPO_SCORE = 80
_PHRASE_WORDS = 3
_KNOWN: dict[str, tuple[str, object]] = {}
for _table, _kind in ((ORDINALS, "ordinal"), (EVENTS, "event"), (STATES, "state"),
                      (THINGS, "thing")):
    for _word, _value in _table.items():
        _KNOWN.setdefault(_word, (_kind, _value))
for _word in WHEN:
    _KNOWN.setdefault(_word, ("when", True))
for _word in SPANS:
    _KNOWN.setdefault(_word, ("span", True))
_SPELLINGS = [word for word in _KNOWN if len(word) >= TYPO_MIN_LENGTH and " " not in word]
_ACTIVITY_WORDS = {re.sub(r"[^a-z0-9]+", " ", name.lower()).strip(): kind.id
                   for kind in ACTIVITY_KINDS for name in (kind.label, *kind.synonyms)}


@dataclass(frozen=True)
class Reading:
    """What a header's words say."""

    words: tuple[str, ...]
    events: tuple[str, ...] = ()  # ladder stages named, in the order written ("cv" for a CV)
    off: bool = False  # names a step the ladder has no rung for
    ordinal: object = None
    states: frozenset[str] = frozenset()
    when: bool = False  # has a date word
    span: bool = False  # a duration
    things: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    typos: tuple[tuple[str, str], ...] = ()  # (as written, as read)


def words_of(header: object) -> list[str]:
    """Return a header's words, lower case: snake_case, camelCase and "Round2" split; odd
    capitals ("dAte") are not word breaks."""
    text = unicodedata.normalize("NFKC", str(header or "")).replace("£", " gbp ")
    text = "".join(char for char in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(char))  # "Étape" is "Etape"
    text = text.replace("#", " no ").replace("&", " and ").replace("%", " percent ")
    text = re.sub(r"(?<=[a-z]{2})(?=[A-Z][a-z])", " ", text)  # camelCase: "ClientFileAs"
    text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z]{2})", " ", text)  # an acronym then a word: "CVRef"
    text = re.sub(r"(?<=[A-Za-z]{3})(?=\d)", " ", text)  # "Interview2", "round1"
    text = re.sub(r"(?<=\d)(?=[A-Z][a-z])", " ", text)  # "Interview2Scheduled"
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).split()


@lru_cache(maxsize=16384)
def read_header(header: str) -> Reading:
    """Return what a header's words say."""
    words = words_of(header)
    events: list[str] = []
    states: set[str] = set()
    things: list[str] = []
    unknown: list[str] = []
    typos: list[tuple[str, str]] = []
    ordinal = None
    off = when = span = weak = False
    numbers: list[int] = []
    between = False  # "to" after an event: "interview to offer" is a ratio or a gap
    position = 0
    while position < len(words):
        found, length = _concept_at(words, position)
        written = " ".join(words[position:position + length])
        position += length
        if found is None:
            if written == "to" and events:
                between = True
            if written in NUMBERED:
                numbers.append(NUMBERED[written])
            elif not written.isdigit():
                unknown.append(written)
            continue
        (kind, value), spelled = found
        if spelled != written:
            typos.append((written, spelled))
        if kind == "ordinal":
            ordinal = ordinal or value
        elif kind == "event":
            if between and value != "off" and value not in events:
                span = True
            if value == "off":
                off = True
            else:
                events.append(value)
            if spelled == "interviewed":
                states.add("done")
        elif kind == "state":
            states.add(value)
            if spelled in THINGS:  # "status" is a step's result and a column of statuses
                things.append(THINGS[spelled])
        elif kind == "when":
            if spelled in WEAK_WHEN:
                weak = True
            else:
                when = True
        elif kind == "span":
            span = True
        else:
            things.append(value)
    if ordinal is None and numbers and ROUND_EVENTS & set(events):
        ordinal = numbers[0]
    when = when or (weak and (bool(events) or off))
    return Reading(tuple(words), tuple(events), off, ordinal, frozenset(states), when, span,
                   tuple(things), tuple(unknown), tuple(typos))


def _concept_at(words: list[str], position: int):
    """Return ((kind, value), spelling) of the longest known phrase at a word, and its length."""
    for length in range(min(_PHRASE_WORDS, len(words) - position), 0, -1):
        phrase = " ".join(words[position:position + length])
        if phrase in _KNOWN:
            return (_KNOWN[phrase], phrase), length
        joined = phrase.replace(" ", "")
        if length > 1 and joined in _KNOWN and _KNOWN[joined][0] != "ordinal":
            return (_KNOWN[joined], joined), length  # "check in" written "checkin", "file as"
    word = words[position]
    if len(word) >= TYPO_MIN_LENGTH and not word.isdigit() and word not in NEUTRAL:
        close = _close_spelling(word)
        if close:
            return (_KNOWN[close], close), 1
    return None, 1


@lru_cache(maxsize=8192)
def _close_spelling(word: str) -> str | None:
    """Return the listed word a word is a close misspelling of ("interveiw"), or None."""
    choice = process.extractOne(word, _SPELLINGS, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
    if choice is None:
        return None
    spelled = choice[0]
    # A misspelling starts like the word and is about as long ("Joinned", "interveiw").
    return spelled if spelled[0] == word[0] and abs(len(spelled) - len(word)) <= 2 else None


# -- from a reading to a field ----------------------------------------------------------------

_PERSON_THINGS = ("consultant", "client", "contact", "candidate")
_BLOCKING = frozenset({"id", "name", "role", "source", "other", "notes", "fee", "kind", "count",
                       "score", "status", "referral", "testimonial", "consultant", "client",
                       "contact"})


def stage_of(reading: Reading) -> str | None:
    """Return the ladder stage a header's event, ordinal and state name, or None."""
    events = list(reading.events)
    if not events:
        return None
    if "cv" in events:
        # A CV sent or shared is the shortlist; a CV on its own is the application coming in.
        events = ["shortlist" if {"shortlist"} & set(events) or "raised" in reading.states
                  else "lead" if event == "cv" else event for event in events]
    stage = _latest(events)
    if stage == "interview":
        later = reading.ordinal not in (None, 1)
        done = "done" in reading.states or "result" in reading.states
        if later:
            return "second_interview_done" if done else "second_interview"
        return "interview_done" if done else "interview"
    if stage == "offer" and "accepted" in events:
        return "accepted"
    return stage


def _latest(events: list[str]) -> str:
    """Return the furthest of several events named ("Offer accepted" is the acceptance)."""
    ladder = [event for event in events if event in STAGE_ORDER]
    if not ladder:
        return events[0]
    # "Job" beside a candidate event is the job applied to, not the job's registration.
    if len(set(ladder)) > 1:
        ladder = [event for event in ladder if event != "job"] or ladder
    return max(ladder, key=STAGE_ORDER.__getitem__)


def field_of(header: str, role: str) -> tuple[str | None, float, str]:
    """Return (field, confidence, note) a header's words give it on a sheet of a role."""
    reading = read_header(header)
    if not reading.words or _sentence(reading):
        return None, 0.0, ""
    chooser = {"leads": _lead_field, "activities": _activity_field,
               "placements": _placement_field, "feedback": _feedback_field}[role]
    found = chooser(reading)
    if found is None:
        return None, 0.0, ""
    field, confidence = found
    if reading.typos:
        confidence = min(confidence, 0.9)
        note = "read as " + ", ".join(f"'{spelled}' for '{written}'"
                                      for written, spelled in reading.typos)
    else:
        note = "read from its words"
    return field, confidence, note


_LITTLE = frozenset({"the", "a", "an", "of", "to", "for", "by", "in", "and", "or", "with",
                     "from", "per", "is", "was", "if", "any", "s", "y", "n"})


def _sentence(reading: Reading) -> bool:
    """Return whether a "header" is a sentence (a note, a list item) rather than a title: more
    words we do not know than words we do."""
    unknown = [word for word in reading.unknown if word not in _LITTLE and word not in NEUTRAL]
    known = len(reading.words) - len(reading.unknown)
    return len(unknown) > max(2, known)


def _entity(reading: Reading) -> str | None:
    """Return the person or company a column names ("Recruiter name", "Client ref")."""
    for thing in reading.things:
        if thing in _PERSON_THINGS:
            return thing
    if "name" in reading.things:
        return "candidate"
    return None


def _lead_field(reading: Reading) -> tuple[str, float] | None:
    if reading.span:
        return None
    things = set(reading.things)
    stage = stage_of(reading)
    if "id" in things:
        if things & {"other", "kind"} or (reading.off and not stage):  # "Activity ID" is not a lead's
            return None
        entity = _entity(reading)
        if entity in ("consultant", "client"):
            return entity, 0.9
        return "lead_id", 0.9
    if reading.off and not (stage and reading.when and not things & _BLOCKING):
        return None
    if "count" in things:
        return None  # a number of things, not one lead's
    if "next" in things and (reading.when or not things - {"next"}):
        return "next_action_on", 0.9
    labelled = _labelled(reading)
    if labelled:
        return labelled, 0.9
    # "Date of client visit": a dated event is the stage, whoever else the header names.
    blocking = _BLOCKING - {"status"} - (set(_PERSON_THINGS) if reading.when else set())
    if stage and not things & blocking:
        dated = reading.when or reading.states or reading.ordinal or len(reading.words) == 1
        if "job" in reading.events and not (reading.when or reading.states & {"raised", "arranged"}):
            return "role", 0.9  # the job applied to ("Applied Job"), not its registration
        if "planned" in reading.states and stage in ("started", "probation"):
            return None  # a planned start is not a start
        if "status" in things or "result" in reading.states:
            return f"stage:{stage}", 0.9  # a step's result: its content decides (see content.py)
        if dated or not things:
            if stage == "lead":
                return "created_on", 0.9
            return f"stage:{stage}", 0.92 if reading.when else 0.88
    if "status" in things and not things & {"other", "fee", "score"}:
        return "status", 0.9  # "Candidate status", "Application status"
    entity = _entity(reading)
    if entity and not things & {"other", "fee", "score"}:
        return entity, 0.9
    for thing, field in (("role", "role"), ("source", "source"), ("notes", "notes"),
                         ("fee", "fee"), ("status", "status")):
        if thing in things and "other" not in things:
            if thing == "fee" and reading.off:
                return None  # an invoice's amount is not a lead's fee
            return field, 0.9
    if reading.when and not things and not reading.events and not reading.off:
        return "created_on", 0.86
    return None


def _labelled(reading: Reading) -> str | None:
    """Return the field a name or description of a non-person thing is ("Status description",
    "source.public_name", "current_stage.name"), or None."""
    things = set(reading.things)
    if not things & {"name", "label"} or things & set(_PERSON_THINGS):
        return None
    for thing in ("status", "source", "role", "kind"):
        if thing in things:
            return thing
    return None


_COUNT_WORDS = frozenset({"number", "no", "of", "num", "count", "total", "made", "qty",
                          "quantity", "done", "logged", "completed"})


def _activity_count(reading: Reading) -> str | None:
    """Return the activity kind a column of counts is for ("Calls made", "No. of calls")."""
    words = [word for word in reading.words if word not in _COUNT_WORDS] or list(reading.words)
    for key in (" ".join(reading.words), " ".join(words)):
        if key in _ACTIVITY_WORDS:
            return _ACTIVITY_WORDS[key]
        joined = key.replace(" ", "")
        for name, kind in _ACTIVITY_WORDS.items():
            if name.replace(" ", "") == joined:
                return kind
    return None


def _activity_field(reading: Reading) -> tuple[str, float] | None:
    if reading.span:
        return None
    counted = _activity_count(reading)
    if counted:
        return f"count:{counted}", 0.95
    things = set(reading.things)
    if "other" in things:
        return None
    if "id" in things:
        entity = _entity(reading)
        if "kind" in things:
            return None  # the activity's own id
        return ("client", 0.9) if entity == "client" else ("lead_id", 0.88) \
            if reading.events or "candidate" in things else None
    entity = _entity(reading)
    if entity in ("consultant", "client"):
        return entity, 0.9
    if "kind" in things:
        return "kind", 0.9
    if "count" in things:
        return "count", 0.9
    if reading.when or "week" in things:
        return "on", 0.9
    return None


def _placement_field(reading: Reading) -> tuple[str, float] | None:
    if reading.span:
        return None
    things = set(reading.things)
    stage = stage_of(reading)
    if things & {"checkin", "call"} or ("next" in things and not reading.off):
        return "checkin_on", 0.9
    if "referral" in things or "other" in things:
        return None  # a referral fee, a salary: not the placement's fee or date
    if "id" in things:
        entity = _entity(reading)
        if reading.off:
            return None  # an invoice or passport number
        if "started" in reading.events:
            return "placement_id", 0.9
        return (entity, 0.9) if entity in ("consultant", "client") else ("lead_id", 0.88)
    if stage == "probation" and ("end" in things or reading.when or "planned" in reading.states):
        return "probation_end_on", 0.9
    if stage == "started" and not things & _BLOCKING:
        return "start_on", 0.9
    entity = _entity(reading)
    if entity and not things & {"other", "fee"}:
        return entity, 0.9
    if "fee" in things and not reading.off:
        return "fee", 0.9
    return None


def _feedback_field(reading: Reading) -> tuple[str, float] | None:
    if reading.span:
        return None
    things = set(reading.things)
    if "score" in things:
        return "score", 0.9
    for thing in ("referral", "testimonial"):
        if thing in things:
            return thing, 0.9
    if "id" in things:
        entity = _entity(reading)
        return (entity, 0.9) if entity in ("consultant", "client") else None
    entity = _entity(reading)
    if entity in ("consultant", "client"):
        return entity, 0.9
    if reading.when and not reading.off:
        return "on", 0.9
    return None
