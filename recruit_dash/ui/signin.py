"""Sign-in: who is looking, and whether they may see the data at all.

Sign-in is Streamlit's own (`st.login`, OpenID Connect) and is on only when
`.streamlit/secrets.toml` has an `[auth]` section; without one the app is one person's tool, as it
always was, and everyone who reaches it sees everything. With it on, the people sheet
($RECRUIT_DASH_PEOPLE, see recruit_dash.people) says who each signed-in email is: a signed-out
visitor sees only the sign-in page, an email the sheet does not list is refused in a sentence, and
with no sheet at all everyone is refused, never shown the whole agency.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitAuthError, StreamlitSecretNotFoundError

from recruit_dash.people import People, PeopleError, Person, may_upload, people_from_env
from recruit_dash.people.sheet import CONSULTANT, MANAGER, PEOPLE_VARIABLE

OPEN, SIGN_IN, REFUSED, ADMITTED = "open", "sign in", "refused", "admitted"
NO_SECRETS = "no-secrets-found"  # Streamlit's error id when there is no secrets file at all
SIGN_IN_WORDS = ("Sign in with your work account to see your agency's pipeline: each person sees "
                 "what their role in the agency allows.")
NO_SHEET_WORDS = (f"Sign-in is on but no people sheet is configured, so nobody can see the data "
                  f"yet: the owner must set {PEOPLE_VARIABLE} to the CSV or Excel sheet listing "
                  "each person's email, name, role and team.")
UNUSED_SHEET_WORDS = (f"{PEOPLE_VARIABLE} is set, but sign-in is not configured, so everyone who "
                      "reaches this server sees everything; add an [auth] section to "
                      ".streamlit/secrets.toml to sign people in.")
READ_ONLY_WORDS = {
    MANAGER: "As a manager you see every figure but do not upload files or change the history: "
             "the owner and the team leads do.",
    CONSULTANT: "As a consultant you see your own leads and figures; the owner and the team leads "
                "upload the trackers and keep the history.",
}


@dataclass(frozen=True)
class Access:
    """What one visitor is shown: everything (sign-in off), the sign-in page, a refusal with its
    sentence, or the data as the signed-in person may see it (`person`, from `people`)."""

    state: str
    person: Person | None = None
    people: People | None = None
    sentence: str = ""  # why they are refused, or (sign-in off) a note for the owner
    signed_in: bool = False  # refused after signing in: they may sign out, and in as another

    @property
    def shows_data(self) -> bool:
        """Whether the visitor may see any page of the data."""
        return self.state in (OPEN, ADMITTED)

    @property
    def may_upload(self) -> bool:
        """Whether the visitor may upload files and import or delete uploads: anyone when
        sign-in is off, else owners and team leads."""
        return self.state == OPEN or (self.person is not None and may_upload(self.person))

    @property
    def email(self) -> str | None:
        """The signed-in person's email, recorded with what they import or delete (None: the
        local user, sign-in being off)."""
        return self.person.email if self.person else None


def access_for(auth_configured: bool, user: Mapping[str, object],
               read_people: Callable[[], People | None]) -> Access:
    """Return what a visitor is shown, from whether sign-in is configured, what the identity
    provider said of them (st.user's claims) and the people sheet (read only when sign-in is on,
    so a broken sheet never stops the single-user app)."""
    if not auth_configured:
        noted = bool(os.environ.get(PEOPLE_VARIABLE, "").strip())
        return Access(OPEN, sentence=UNUSED_SHEET_WORDS if noted else "")
    if not user.get("is_logged_in"):
        return Access(SIGN_IN)
    email = _email(user)
    if email is None:
        return Access(REFUSED, signed_in=True,
                      sentence="Your sign-in did not tell us your email address, so we cannot "
                               "tell what you may see; ask the owner to let the identity "
                               "provider share it.")
    if user.get("email_verified") is False:
        return Access(REFUSED, signed_in=True,
                      sentence=f"The identity provider has not verified {email}, so we cannot be "
                               "sure it is yours; verify it there and sign in again.")
    try:
        people = read_people()
    except PeopleError as error:
        return Access(REFUSED, signed_in=True,
                      sentence=f"{error} Until the owner fixes the people sheet, nobody can see "
                               "the data.")
    if people is None:
        return Access(REFUSED, sentence=NO_SHEET_WORDS, signed_in=True)
    person = people.find(email)
    if person is None:
        return Access(REFUSED, people=people, signed_in=True,
                      sentence=f"{email} is not in the agency's people sheet, so you cannot see "
                               "the data; ask the owner to add you, or sign out and sign in with "
                               "your work account.")
    return Access(ADMITTED, person, people)


def _email(user: Mapping[str, object]) -> str | None:
    """Return the email the provider gave (Microsoft's sign-in may give it only as the
    preferred user name), or None."""
    for claim in ("email", "preferred_username", "upn"):
        value = str(user.get(claim) or "").strip()
        if "@" in value:
            return value
    return None


def auth_configured() -> bool:
    """Return whether secrets.toml configures sign-in (an [auth] section); no secrets file at
    all means no, and a secrets file we cannot read raises StreamlitSecretNotFoundError (it may
    hold the [auth] section: we never guess that it does not)."""
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError as error:
        if error.error_id == NO_SECRETS:
            return False
        raise


def access() -> Access:
    """Return what this session's visitor is shown, decided afresh on every run: a person removed
    from the people sheet loses the data on their next click."""
    try:
        configured = auth_configured()
    except StreamlitSecretNotFoundError as error:
        return Access(REFUSED, sentence=f"The app's secrets file could not be read, so nobody can "
                                        f"see the data until the owner fixes it: {error}.")
    return access_for(configured, dict(st.user) if configured else {}, people_from_env)


def gate() -> None:
    """Draw who is signed in, in the sidebar, when the visitor may see the data; otherwise draw
    the sign-in page or the refusal, as the only page, and stop the run there."""
    seen = access()
    if seen.state == ADMITTED:
        identity_ui(seen.person)
    elif seen.state == OPEN and seen.sentence:
        st.sidebar.caption(seen.sentence)
    if seen.shows_data:
        return

    def door() -> None:
        if seen.state == SIGN_IN:
            sign_in_page()
        else:
            refused_page(seen)

    st.navigation([st.Page(door, title="Sign in", icon=":material/login:", url_path="sign-in")],
                  position="hidden").run()
    st.stop()


def sign_in_page() -> None:
    """Draw the sign-in page: the app's name, one sentence and a button per identity provider
    configured (one, "Sign in", for most agencies)."""
    st.title("recruit-dash")
    st.write(SIGN_IN_WORDS)
    providers = _providers()
    for provider in providers:
        label = "Sign in" if len(providers) == 1 else f"Sign in with {provider.title()}"
        if st.button(label, key=f"signin_{provider or 'default'}", type="primary",
                     icon=":material/login:"):
            try:
                st.login(provider)
            except StreamlitAuthError as error:
                st.error(f"Sign-in is not set up completely, so nobody can sign in yet; the "
                         f"owner must fix .streamlit/secrets.toml: {error}")


def _providers() -> list[str | None]:
    """Return the identity providers of the [auth] section: None for the one configured in the
    section itself, else each [auth.NAME] section's name."""
    section = st.secrets["auth"]
    named = [name for name, value in section.items() if isinstance(value, Mapping)]
    return [None] if "client_id" in section or not named else named


def refused_page(seen: Access) -> None:
    """Draw why the visitor cannot see the data, and, once they signed in, a way to sign out."""
    from recruit_dash.ui.components import escape_markdown  # components imports state, then us

    st.title("recruit-dash")
    st.error(escape_markdown(seen.sentence), icon=":material/block:")
    if seen.signed_in:
        sign_out_button("signin_refused_sign_out")


def identity_ui(person: Person) -> None:
    """Draw who is signed in (name, role and team, from the people sheet) and a way out, in the
    sidebar."""
    from recruit_dash.ui.components import escape_markdown

    with st.sidebar:
        team = f", {person.team}" if person.team else ""
        st.markdown(f":material/account_circle: **{escape_markdown(person.name)}**  \n"
                    f"{escape_markdown(person.role.capitalize() + team)}")
        sign_out_button("signin_sign_out")


def sign_out_button(key: str) -> None:
    """Draw the "Sign out" button: it ends the sign-in (and the provider's, where it offers
    that) and starts a new session."""
    if st.button("Sign out", key=key, icon=":material/logout:"):
        st.logout()


def read_only_reason(seen: Access) -> str:
    """Return why the visitor is not offered uploads, in a sentence ("" when they may upload)."""
    return "" if seen.may_upload or seen.person is None else READ_ONLY_WORDS[seen.person.role]
