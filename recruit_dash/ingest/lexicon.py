"""The words headers are made of, and what each one means: the header grammar's vocabulary, as data.

A header is read word by word (see `grammar.py`). Each word, or a phrase of two or three words,
names one *concept* of a kind:

- `ordinal`: which round (1, 2, 3 … or "final");
- `event`: a milestone of the ladder (a stage id), or `off` for a step the ladder has no rung for
  (a phone screen, a test, an invoice): such a column is never taken for a neighbouring stage;
- `state`: `arranged` (booked, scheduled) or `done` (held, completed) for an event; `result` (status,
  outcome, decision) when the column says how the step went; `planned` (expected, tentative) when
  the date is a plan;
- `when`: a date word (date, on, of, when);
- `span`: a duration (days, delay, time to), never a date;
- `thing`: what a non-stage column is about (a person, a company, an identifier, a name…), each with
  the canonical field it suggests.

Words not listed are ignored when the rest of the header is understood. A word of five letters or
more that is not listed is matched to a listed word it is a close misspelling of ("interveiw").
"""

from __future__ import annotations

ORDINALS: dict[str, object] = {
    "1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4,
    "5th": 5, "fifth": 5, "final": "final", "last": "final", "l1": 1, "l2": 2, "l3": 3,
    "r1": 1, "r2": 2, "r3": 3, "round1": 1, "round2": 2, "round3": 3, "2 plus": 2,
}
# A bare number is an ordinal only beside a word that has rounds ("Interview 2", "Round 1").
NUMBERED = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "one": 1, "two": 2, "three": 3}
ROUND_EVENTS = frozenset({"interview"})

EVENTS: dict[str, str] = {
    # the lead: an application, a CV in, a lead or a record created
    "application": "lead", "applied": "lead", "apply": "lead", "applying": "lead",
    "lead": "lead", "created": "lead", "creation": "lead", "added": "lead", "generated": "lead",
    "received": "lead", "sourced": "lead", "registered": "lead", "registration": "lead",
    "enquiry": "lead", "inquiry": "lead", "candidature": "lead", "bewerbungsdatum": "lead",
    "candidatura": "lead",
    # the client side of an agency's desk
    "meeting": "meeting", "meetings": "meeting", "visit": "meeting", "intake": "meeting",
    "engaged": "meeting", "engage": "meeting", "engagement": "meeting", "pitch": "meeting",
    "job": "job", "requisition": "job", "req": "job", "vacancy": "job", "order": "job",
    "mandate": "job", "brief": "job", "opening": "job",
    # the candidate's path
    "submission": "shortlist", "submissions": "shortlist", "submitted": "shortlist",
    "submit": "shortlist", "submittal": "shortlist", "sendout": "shortlist", "sent": "shortlist",
    "send": "shortlist", "shortlist": "shortlist", "shortlisted": "shortlist",
    "presented": "shortlist", "presentation": "shortlist", "shared": "shortlist",
    "cv": "cv", "cvs": "cv", "resume": "cv", "resumes": "cv", "profile": "cv", "profiles": "cv",
    "interview": "interview", "interviews": "interview", "intvw": "interview",
    "intv": "interview", "int": "interview", "iv": "interview", "round": "interview",
    "rounds": "interview", "interviewed": "interview",
    "offer": "offer", "offered": "offer", "offr": "offer", "offers": "offer",
    "verbal offer": "offer",
    "acceptance": "accepted", "accepted": "accepted", "accept": "accepted",
    "written offer": "accepted", "contract signed": "accepted", "signed": "accepted",
    "resignation": "resigned", "resigned": "resigned", "resign": "resigned",
    "notice": "resigned",
    "start": "started", "started": "started", "starting": "started", "starts": "started",
    "joining": "started", "join": "started", "joined": "started", "doj": "started",
    "hire": "started", "hired": "started", "hiring": "started", "placed": "started",
    "placement": "started", "onboard": "started", "onboarded": "started",
    "onboarding": "started", "commencement": "started", "commenced": "started",
    "begin": "started", "begins": "started", "commence": "started",
    "probation": "probation", "probationary": "probation",
    # steps the ladder has no rung for
    "screen": "off", "screening": "off", "phone screen": "off", "test": "off",
    "assessment": "off", "harver": "off", "reference": "off", "references": "off",
    "background": "off", "medical": "off", "visa": "off", "invoice": "off", "inv": "off",
    "invoiced": "off", "payment": "off", "paid": "off", "billing": "off", "selection": "off",
    "passport": "off", "deployment": "off", "expiry": "off", "expire": "off", "expiring": "off",
    "birth": "off", "dob": "off", "modification": "off", "modified": "off", "updated": "off",
    "update": "off", "last activity": "off", "closed": "off", "close": "off", "closing": "off",
    "rejected": "off", "rejection": "off", "withdrawn": "off", "archived": "off",
    "review": "off", "approval": "off", "approved": "off", "quarter": "off", "month": "off",
    "year": "off", "week": "off",
}

STATES: dict[str, str] = {
    "booked": "arranged", "arranged": "arranged", "scheduled": "arranged", "schedule": "arranged",
    "set": "arranged", "invited": "arranged", "invite": "arranged", "requested": "arranged",
    "confirmed": "arranged", "fixed": "arranged", "booking": "arranged", "planned": "arranged",
    "done": "done", "held": "done", "completed": "done", "complete": "done", "attended": "done",
    "conducted": "done", "happened": "done", "took place": "done", "finished": "done",
    "passed": "done", "cleared": "done", "occurred": "done",
    "status": "result", "result": "result", "results": "result", "outcome": "result",
    "decision": "result", "verdict": "result", "feedback": "result",
    "expected": "planned", "tentative": "planned", "proposed": "planned", "target": "planned",
    "promised": "planned", "estimated": "planned", "anticipated": "planned", "likely": "planned",
    "projected": "planned",
    "raised": "raised", "opened": "raised", "taken": "raised", "logged": "raised",
    "live": "raised",
}
# "planned" beside a start is a plan; beside an interview it is the booking.

WHEN = frozenset({"date", "dates", "on", "of", "dt", "when", "day", "at", "time", "timestamp",
                  "datetime", "datum", "fecha", "data"})
# Date words that say "date" only beside an event ("Offer on", "Date of offer"), not alone ("% of
# target", "Time spent").
WEAK_WHEN = frozenset({"on", "of", "at", "when", "time", "data"})
SPANS = frozenset({"days", "delay", "gap", "lag", "tat", "aging", "ageing", "duration", "weeks",
                   "hours", "mins", "minutes", "time to", "days to", "since", "elapsed",
                   "turnaround", "difference", "diff", "period", "lead time", "cycle"})

# What a column that is not a stage is about: (thing, the field it suggests on a leads sheet).
THINGS: dict[str, str] = {
    "id": "id", "ref": "id", "reference no": "id", "no": "id", "number": "id", "num": "id",
    "code": "id", "key": "id", "uid": "id", "guid": "id", "refno": "id",
    "name": "name", "names": "name", "fullname": "name", "full name": "name", "nom": "name",
    "file as": "name", "fileas": "name",
    "candidate": "candidate", "applicant": "candidate", "talent": "candidate",
    "person": "candidate", "worker": "candidate", "seeker": "candidate", "starter": "candidate",
    "jobseeker": "candidate", "tech": "candidate",
    "consultant": "consultant", "recruiter": "consultant", "owner": "consultant",
    "agent": "consultant", "rep": "consultant", "sourcer": "consultant", "user": "consultant",
    "username": "consultant", "assigned": "consultant", "assignee": "consultant",
    "credited": "consultant", "handler": "consultant", "bdm": "consultant",
    "employee": "consultant", "account manager": "consultant", "sending user": "consultant",
    "sales agent": "consultant", "recruiting": "consultant", "advisor": "consultant",
    "client": "client", "company": "client", "customer": "client", "account": "client",
    "employer": "client", "organisation": "client", "organization": "client",
    "corporation": "client", "corp": "client", "firm": "client", "business": "client",
    "hirer": "client", "unternehmen": "client", "entreprise": "client", "brand": "client",
    "contact": "contact", "hiring manager": "contact", "client contact": "contact",
    "line manager": "contact", "manager": "contact",
    "title": "role", "role": "role", "position": "role", "designation": "role", "post": "role",
    "stelle": "role", "poste": "role", "occupation": "role", "trade": "role",
    "source": "source", "channel": "source", "origin": "source", "medium": "source",
    "sourced from": "source", "referrer": "source", "campaign": "source",
    "status": "status", "stage": "status", "state": "status", "pipeline": "status",
    "disposition": "status", "progress": "status", "etape": "status", "kanban": "status",
    "fee": "fee", "fees": "fee", "revenue": "fee", "value": "fee", "commission": "fee",
    "margin": "fee", "gp": "fee", "gbp": "fee", "usd": "fee", "eur": "fee", "inr": "fee",
    "amount": "fee",
    "billing amount": "fee",
    "notes": "notes", "note": "notes", "comments": "notes", "comment": "notes",
    "remarks": "notes", "remark": "notes", "memo": "notes", "details": "notes",
    "next": "next", "due": "next", "follow up": "next", "followup": "next", "callback": "next",
    "call back": "next", "recontact": "next", "chase": "next", "next step": "next",
    "score": "score", "rating": "score", "nps": "score", "stars": "score",
    "satisfaction": "score", "recommend": "score", "csat": "score",
    "referral": "referral", "referred": "referral", "referrals": "referral",
    "testimonial": "testimonial", "review text": "testimonial",
    "check in": "checkin", "checkin": "checkin", "aftercare": "checkin",
    "touch point": "checkin", "touchpoint": "checkin", "call": "call", "calls": "call",
    "end": "end", "ends": "end", "ending": "end",
    "count": "count", "number of": "count", "no of": "count", "num of": "count",
    "count of": "count", "qty": "count", "quantity": "count", "total": "count",
    "type": "kind", "event": "kind", "activity": "kind", "action": "kind", "kind": "kind", "category": "kind",
    "week commencing": "week", "week starting": "week", "week beginning": "week", "wc": "week",
    # things no field holds: a column about them is never a stage
    "email": "other", "mail": "other", "phone": "other", "mobile": "other", "tel": "other",
    "telephone": "other", "address": "other", "location": "other", "city": "other",
    "country": "other", "department": "other", "dept": "other", "salary": "other",
    "pay": "other", "rate": "other", "ctc": "other", "skills": "other", "skill": "other",
    "experience": "other", "age": "other", "gender": "other", "reason": "other",
    "reasons": "other", "description": "label", "desc": "label", "label": "label",
    "interviewer": "other",
    "interviewers": "other", "link": "other", "url": "other", "linkedin": "other",
    "website": "other", "nationality": "other", "qualification": "other",
    "education": "other", "currency": "other", "percent": "other", "pct": "other",
    "ratio": "other", "rate of": "other", "quality": "other", "match": "other",
    "flag": "other", "alert": "other", "priority": "other", "tags": "other",
    "availability": "other", "openings": "other", "cost": "other", "per": "other",
    "at time of": "other", "at the time of": "other", "target": "other", "budget": "other",
    "office": "other", "team": "other", "level": "other",
    "seniority": "other", "transaction": "other", "language": "other", "mode": "other",
}

# Words that are known and say nothing of a column's meaning: never read as a misspelling of a
# listed word ("Recruitment stage" is not a recruiter).
NEUTRAL = frozenset({
    "recruitment", "recruiting", "current", "furthest", "reached", "latest", "actual", "total",
    "overall", "final", "candidate", "candidates", "applicants", "process", "details",
    "information", "general", "primary", "secondary", "internal", "external", "agency",
    "agencies", "hours", "monthly", "weekly", "daily", "yearly", "annual", "number", "people",
    "person", "their", "there", "where", "which", "other", "others", "after", "before",
    "between", "within", "without", "under", "above", "below", "about", "parties",
    "party", "ticket", "tickets", "department", "business", "service", "services", "product",
    "products", "project", "projects", "region", "regions", "branch", "branches", "industry",
    "sector", "sectors", "location", "locations", "country", "countries", "source", "sources",
})
