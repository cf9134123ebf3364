"""People and what each sees: the people sheet the owner keeps (email, name, role, team) and each
person's view of the pipeline model, cut before any page, download, pack or report is built."""

from recruit_dash.people.scoping import Scoped, scope
from recruit_dash.people.sheet import (
    PEOPLE_VARIABLE,
    ROLES,
    People,
    PeopleError,
    Person,
    may_upload,
    people_from_env,
    read_people,
)

__all__ = ["PEOPLE_VARIABLE", "ROLES", "People", "PeopleError", "Person", "Scoped", "may_upload",
           "people_from_env", "read_people", "scope"]
