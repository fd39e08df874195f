"""SQLAlchemy models: the published procedure catalog and the dossiers filed against it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import declarative_base, relationship

from knowledge.clock import local_now
from knowledge.enums import (
    Channel,
    DecisionState,
    DossierState,
    ProcedureStatus,
    ResultDelivery,
    UserRole,
)

# SQLAlchemy 1.4 ships no type hints: the base (and so every column) reads as Any to mypy.
Base: Any = declarative_base()


class Decision(Base):
    """A published decision (quyết định) announcing, amending or abolishing procedures."""

    __tablename__ = "decisions"

    id = Column(Integer, primary_key=True)
    number = Column(String(100), nullable=False, unique=True)  # "163/QĐ-BTP"
    issued_on = Column(Date)
    # Set for decisions an admin imported (knowledge.catalog.decisions); NULL for the ones
    # that only came with the catalog export.
    effective_on = Column(Date)
    state = Column(
        Enum(DecisionState, name="decision_state", native_enum=False, length=20),
        nullable=False,
        default=DecisionState.published,
        server_default=DecisionState.published.value,
    )
    source_name = Column(Text)  # the uploaded file's name
    imported_by = Column(String(200))
    imported_at = Column(DateTime)
    applied_at = Column(DateTime)  # when its changes reached the catalog
    rolled_back_by = Column(String(200))
    rolled_back_at = Column(DateTime)

    changes = relationship(
        "DecisionChange",
        cascade="all, delete-orphan",
        order_by="DecisionChange.position",
        back_populates="decision",
    )


class DecisionChange(Base):
    """One row of an imported decision: its action on one procedure, with before and after."""

    __tablename__ = "decision_changes"

    id = Column(Integer, primary_key=True)
    decision_id = Column(
        Integer, ForeignKey("decisions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False)  # the row in the file
    procedure_code = Column(String(32), nullable=False, index=True)
    action = Column(String(20), nullable=False)  # new | amend | abolish | replace
    replaced_by_code = Column(String(32))
    # JSON snapshots (knowledge.catalog.editing.snapshot): None before = a new procedure.
    before = Column(Text)
    after = Column(Text, nullable=False)

    decision = relationship("Decision", back_populates="changes")


class CatalogChange(Base):
    """One audited change of the catalog: who, when, which decision, before and after.

    Append-only: ``knowledge.audit`` refuses updates and deletes of these rows.
    """

    __tablename__ = "catalog_changes"
    __table_args__ = (Index("ix_catalog_changes_code_at", "procedure_code", "at"),)

    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, index=True)
    actor = Column(String(200), nullable=False, index=True)
    action = Column(String(30), nullable=False)  # edit | decision | rollback | activate | lexicon
    procedure_code = Column(String(32), nullable=False)
    decision_number = Column(String(100))
    attribute = Column(String(50), nullable=False)  # "name", "channels", "status"…
    before = Column(Text)  # JSON
    after = Column(Text)  # JSON


class CatalogState(Base):
    """One row: the catalog's version, bumped by every admin change so every process reloads."""

    __tablename__ = "catalog_state"

    id = Column(Integer, primary_key=True)
    version = Column(Integer, nullable=False, default=0)
    changed_at = Column(DateTime)


class LexiconWord(Base):
    """A citizen word an admin tied to a procedure; search adds the procedure's name for it."""

    __tablename__ = "lexicon_words"
    __table_args__ = (UniqueConstraint("term", "procedure_code"),)

    id = Column(Integer, primary_key=True)
    term = Column(String(200), nullable=False)
    procedure_code = Column(String(32), nullable=False, index=True)
    created_by = Column(String(200), nullable=False)
    created_at = Column(DateTime, nullable=False)


class Field(Base):
    """A domain of procedures (lĩnh vực), such as "Hộ tịch"."""

    __tablename__ = "fields"

    id = Column(Integer, primary_key=True)
    name = Column(String(300), nullable=False, unique=True)


class Procedure(Base):
    """One administrative procedure (thủ tục hành chính) of the published catalog."""

    __tablename__ = "procedures"

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)  # "1.001193"
    name = Column(Text, nullable=False)
    levels = Column(String(200), nullable=False, default="")  # "Cấp tỉnh, Cấp xã"
    procedure_type = Column(Text)
    ministry = Column(String(100))  # the publishing ministry's folder, e.g. "bo-tu-phap"
    field_id = Column(Integer, ForeignKey("fields.id"))
    decision_id = Column(Integer, ForeignKey("decisions.id"))
    target_subjects = Column(Text)
    competent_agency = Column(Text)
    implementing_agency = Column(Text)
    receiving_address = Column(Text)
    authorised_agency = Column(Text)
    coordinating_agency = Column(Text)
    related_procedures = Column(Text)
    steps = Column(Text)
    conditions = Column(Text)
    results = Column(Text)  # result papers, one per line
    papers_text = Column(Text)  # the dossier-papers section as published, kept whole
    detail_url = Column(Text)
    source = Column(String(40), nullable=False, default="national")  # national | excel | sample

    status = Column(
        Enum(ProcedureStatus, name="procedure_status", native_enum=False, length=20),
        nullable=False,
        default=ProcedureStatus.in_force,
    )
    status_decision = Column(String(100))  # the decision that amended or abolished it
    status_date = Column(Date)
    replaced_by_code = Column(String(32))
    updated_at = Column(
        DateTime, nullable=False, server_default=func.now(), default=local_now, onupdate=local_now
    )

    field = relationship("Field", lazy="joined")
    decision = relationship("Decision", lazy="joined")
    channels = relationship(
        "ChannelOption", cascade="all, delete-orphan", order_by="ChannelOption.position"
    )
    papers = relationship(
        "RequiredPaper", cascade="all, delete-orphan", order_by="RequiredPaper.position"
    )
    legal_documents = relationship(
        "LegalDocument", cascade="all, delete-orphan", order_by="LegalDocument.position"
    )


class ChannelOption(Base):
    """Processing time and fee of a procedure for one submission channel."""

    __tablename__ = "channel_options"

    id = Column(Integer, primary_key=True)
    procedure_id = Column(
        Integer, ForeignKey("procedures.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False, default=0)
    channel = Column(Enum(Channel, name="channel", native_enum=False, length=20), nullable=False)
    time_value = Column(Float)
    time_unit = Column(String(40))  # "ngày làm việc", "ngày", "giờ"…
    time_text = Column(Text, nullable=False, default="")
    fee_text = Column(Text, nullable=False, default="")
    fee_amount = Column(BigInteger)  # đồng; 0 = free; NULL = not stated
    description = Column(Text, nullable=False, default="")


class RequiredPaper(Base):
    """A paper of the dossier (thành phần hồ sơ)."""

    __tablename__ = "required_papers"

    id = Column(Integer, primary_key=True)
    procedure_id = Column(
        Integer, ForeignKey("procedures.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False, default=0)
    group = Column("paper_group", Text, nullable=False, default="")
    name = Column(Text, nullable=False)
    template = Column(Text, nullable=False, default="")
    copies = Column(Text, nullable=False, default="")


class LegalDocument(Base):
    """A legal document a procedure rests on (căn cứ pháp lý)."""

    __tablename__ = "legal_documents"

    id = Column(Integer, primary_key=True)
    procedure_id = Column(
        Integer, ForeignKey("procedures.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False, default=0)
    number = Column(String(200), nullable=False, default="")
    title = Column(Text, nullable=False, default="")


class Dossier(Base):
    """A dossier (hồ sơ) received by the one-stop system, with the applicant's personal data."""

    __tablename__ = "dossiers"

    id = Column(Integer, primary_key=True)
    code = Column(String(64), nullable=False, unique=True)  # "000.00.12.H48-251120-0001"
    procedure_code = Column(String(32), nullable=False, index=True)
    receiving_agency = Column(Text, nullable=False)
    handling_agency = Column(Text)
    current_step = Column(Text)
    state = Column(
        Enum(DossierState, name="dossier_state", native_enum=False, length=20), nullable=False
    )
    state_reason = Column(Text)  # what to supplement, why rejected
    received_at = Column(DateTime, nullable=False)
    due_at = Column(DateTime)
    finished_at = Column(DateTime)
    result_delivery = Column(
        Enum(ResultDelivery, name="result_delivery", native_enum=False, length=20),
        nullable=False,
        default=ResultDelivery.counter,
    )
    fee_paid_online = Column(Boolean, nullable=False, default=False)
    applicant_name = Column(Text, nullable=False)
    applicant_phone = Column(String(20), nullable=False)
    applicant_id_number = Column(String(20))
    updated_at = Column(
        DateTime, nullable=False, server_default=func.now(), default=local_now, onupdate=local_now
    )

    events = relationship(
        "DossierEvent",
        cascade="all, delete-orphan",
        order_by="DossierEvent.occurred_at",
        back_populates="dossier",
    )


class DossierEvent(Base):
    """One status change in a dossier's history."""

    __tablename__ = "dossier_events"

    id = Column(Integer, primary_key=True)
    dossier_id = Column(
        Integer, ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    state = Column(
        Enum(DossierState, name="dossier_state", native_enum=False, length=20), nullable=False
    )
    step = Column(Text)
    agency = Column(Text)
    note = Column(Text)
    occurred_at = Column(DateTime, nullable=False)

    dossier = relationship("Dossier", back_populates="events")


class LookupAttempt(Base):
    """A citizen's dossier lookup through the bot, kept to lock out guessing."""

    __tablename__ = "lookup_attempts"
    __table_args__ = (Index("ix_lookup_attempts_conversation_at", "conversation_id", "at"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(200), nullable=False)
    succeeded = Column(Boolean, nullable=False)
    at = Column(DateTime, nullable=False)


class AuditEntry(Base):
    """Who read which dossier's personal data, and when."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    actor = Column(String(200), nullable=False)
    action = Column(String(50), nullable=False)
    target = Column(String(200), nullable=False)
    at = Column(DateTime, nullable=False)


class CatalogImport(Base):
    """One run of a catalog import, kept for the admins."""

    __tablename__ = "catalog_imports"

    id = Column(Integer, primary_key=True)
    source_path = Column(Text, nullable=False)
    kind = Column(String(20), nullable=False)  # json | excel | sample
    started_at = Column(DateTime, nullable=False)
    imported = Column(Integer, nullable=False, default=0)
    skipped = Column(Integer, nullable=False, default=0)


class User(Base):
    """A staff account (call-center agent or catalog admin) signing in with a password."""

    __tablename__ = "users"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)  # argon2id, with its parameters
    role = Column(Enum(UserRole, name="user_role", native_enum=False, length=10), nullable=False)
    is_active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False)
    last_login_at = Column(DateTime)
    last_seen_at = Column(DateTime)  # last agent request: "an agent is present" for handoffs


__all__ = [
    "AuditEntry",
    "Base",
    "CatalogChange",
    "CatalogImport",
    "CatalogState",
    "Channel",
    "ChannelOption",
    "Decision",
    "DecisionChange",
    "DecisionState",
    "Dossier",
    "DossierEvent",
    "DossierState",
    "Field",
    "LegalDocument",
    "LexiconWord",
    "LookupAttempt",
    "Procedure",
    "ProcedureStatus",
    "RequiredPaper",
    "ResultDelivery",
    "User",
    "UserRole",
]
