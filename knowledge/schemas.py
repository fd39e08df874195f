"""Plain schemas the knowledge layer returns to the API and the Rasa actions."""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel

# A national procedure code ("1.001193", "2.000806"): what the catalog, dossiers and the
# agents' lookups accept. Here, below both the catalog import and the procedure reads, so
# that neither imports the other.
PROCEDURE_CODE_RE = re.compile(r"^\d{1,2}\.\d{6}$")


class SearchHit(BaseModel):
    """One ranked procedure for a question."""

    code: str
    name: str
    score: float
    levels: str = ""
    status: str = "in_force"


class ChannelInfo(BaseModel):
    """Time and fee of a procedure through one channel."""

    channel: str  # in_person | online | postal
    channel_label: str  # "Trực tiếp"
    time_value: float | None
    time_unit: str | None
    time_text: str
    fee_text: str
    fee_amount: int | None
    description: str


class PaperInfo(BaseModel):
    """One paper of the dossier."""

    group: str
    name: str
    template: str
    copies: str


class LegalDocumentInfo(BaseModel):
    """One legal document a procedure rests on."""

    number: str
    title: str


class AmendmentInfo(BaseModel):
    """One thing an amending decision changed, as a citizen is told it.

    ``before`` → ``after``; ``before`` None: added or changed with no short old value.
    """

    label: str  # "Lệ phí (Trực tuyến)"
    before: str | None
    after: str | None


class ProcedureCard(BaseModel):
    """Everything the catalog holds about one procedure."""

    code: str
    name: str
    levels: str
    procedure_type: str | None
    ministry: str | None
    field: str | None
    decision_number: str | None
    target_subjects: str | None
    competent_agency: str | None
    implementing_agency: str | None
    receiving_address: str | None
    steps: str | None
    conditions: str | None
    results: list[str]
    detail_url: str | None
    status: str
    status_decision: str | None
    status_date: date | None
    replaced_by_code: str | None
    channels: list[ChannelInfo]
    papers: list[PaperInfo]
    papers_text: str | None  # the papers section as published, for records with no table
    legal_documents: list[LegalDocumentInfo]
    # What the decision that amended the procedure changed (empty when in force, or when the
    # amendment came without a before/after record, e.g. with the catalog export).
    amendments: list[AmendmentInfo] = []


class ChannelSummary(BaseModel):
    """One channel of a procedure as the citizen is told it: time and fee in plain words."""

    channel: str  # in_person | online | postal
    channel_label: str  # "Trực tiếp"
    time: str  # "3 ngày làm việc", "1 (danh mục không ghi đơn vị)"
    fee: str  # "50.000 đồng", "mức thu do Hội đồng nhân dân cấp tỉnh quyết định…"
    fee_note: str  # the record's explanation under the fee, "" when none


class ProcedureSummary(BaseModel):
    """The summary an agent reads out and a citizen is told, rendered once for every screen."""

    code: str
    title: str  # name with levels
    status_note: str  # "" when in force
    channels: list[ChannelSummary]  # in the card's order
    papers: list[str]  # "Tờ khai đăng ký khai sinh (1 bản chính)", forms first
    more_papers: int  # papers beyond those listed
    agency: str
    text: str  # the whole summary as plain text, for the clipboard


class FieldSummary(BaseModel):
    """A field (lĩnh vực) and how many procedures it holds."""

    name: str
    procedures: int


class ImportReport(BaseModel):
    """What an import did: records written, records skipped with the reason for each."""

    imported: int
    skipped: list[tuple[str, str]] = []
    seconds: float = 0.0
