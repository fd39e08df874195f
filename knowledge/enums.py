"""Plain enums of the domain, shared by the ORM, the schemas and the Rasa actions.

They live apart from ``knowledge.models`` so that code which only needs a status or a state
(the actions, the API schemas) does not import SQLAlchemy's ORM.
"""

from __future__ import annotations

import enum


class ProcedureStatus(str, enum.Enum):
    """Whether a procedure is in force, amended by a later decision, or abolished."""

    in_force = "in_force"
    amended = "amended"
    abolished = "abolished"


class Channel(str, enum.Enum):
    """Ways to submit a dossier."""

    in_person = "in_person"
    online = "online"
    postal = "postal"


class DossierState(str, enum.Enum):
    """Where a dossier stands in the one-stop system."""

    received = "received"
    in_progress = "in_progress"
    needs_supplement = "needs_supplement"
    result_ready = "result_ready"
    returned = "returned"
    rejected = "rejected"
    withdrawn = "withdrawn"


class ResultDelivery(str, enum.Enum):
    """How the applicant collects the result."""

    counter = "counter"
    postal = "postal"


class UserRole(str, enum.Enum):
    """What a staff account may do; an admin may also do everything an agent does."""

    agent = "agent"
    admin = "admin"


class DecisionState(str, enum.Enum):
    """Where a decision imported by an admin stands; ``published`` = came with the catalog."""

    published = "published"
    scheduled = "scheduled"  # applied by an admin, takes effect on its effective date
    applied = "applied"
    rolled_back = "rolled_back"


class AnswerQuality(str, enum.Enum):
    """How sure the bot was of an answer, as the actions tell the chat gateway.

    The actions send ``{"answer_quality": …}`` with the message; the gateway keeps it as the
    bot message's ``event``, and the analytics group the questions behind such answers.
    """

    unanswered = "unanswered"  # no procedure found, out of scope, rephrase, offer a human
    low_confidence = "low_confidence"  # a weak match to confirm, or a menu of candidates
