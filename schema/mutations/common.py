"""What every mutation does around its write: the database it writes through (for
EDITOR and ADMIN, scope-checked), the objects it names (raw ids, noted for the scope
check and audit), the request's loaders replaced after the write, and the limits on
the text a person types.
"""

from __future__ import annotations

import strawberry

from graph.driver import Database
from graph.errors import BadInput
from graph.writes import people
from graph.writes.common import phone, text
from loaders import Loaders
from schema.context import Info
from schema.inputs import PersonPatch
from schema.relay import expect_global_id

NAME_LENGTH = 100
ADDRESS_LENGTH = 200
TEXT_LENGTH = 200
NOTE_LENGTH = 2000


def write_db(info: Info) -> Database:
    """The database a mutation writes through: only for EDITOR and ADMIN, and its
    transaction checks the objects the mutation names are in the caller's scope."""
    info.context.require_editor()
    return info.context.writer(info)


def changed(info: Info) -> None:
    """Drop what the request's loaders cached before the write, and start the
    next mutation's list of objects afresh."""
    info.context.loaders = Loaders(info.context.loaders.db)


def object_id(info: Info, global_id: strawberry.ID, type_name: str, argument: str) -> str:
    """The raw id of an object the mutation names; noted for its scope check and audit."""
    raw_id = expect_global_id(global_id, type_name, argument=argument)
    return info.context.touches(info, type_name, raw_id, argument)


def optional_object_id(
    info: Info, global_id: strawberry.ID | None, type_name: str, argument: str
) -> str | None:
    """The raw id of an object the mutation may name, or None."""
    return None if global_id is None else object_id(info, global_id, type_name, argument)


def person_facts(patch: PersonPatch) -> people.PersonFacts:
    """The facts a person's patch changes (`given` says which, cleared ones included)."""
    given = {
        key
        for key, value in (
            ("name", patch.name),
            ("gender", patch.gender),
            ("birthDate", patch.birth_date),
            ("education", patch.education),
            ("politicalStatus", patch.political_status),
            ("phone", patch.phone),
        )
        if value is not None
    }
    name = None
    if patch.name is not None:
        if patch.name.value is None:
            raise BadInput("input.name: a person's name cannot be cleared", argument="input.name")
        name = text(patch.name.value, argument="input.name", max_length=NAME_LENGTH)
    return people.PersonFacts(
        name=name,
        gender=patch.gender.value if patch.gender else None,
        birth_date=patch.birth_date.value if patch.birth_date else None,
        education=patch.education.value if patch.education else None,
        political_status=patch.political_status.value if patch.political_status else None,
        phone=phone(patch.phone.value, argument="input.phone") if patch.phone else None,
        given=frozenset(given),
    )
