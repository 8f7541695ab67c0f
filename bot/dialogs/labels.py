"""The words for the domain's values (visit kinds, deal stages, request kinds), in one place.

Services speak in enum values; every dialog and renderer that shows one takes its label from
here, through the reader's catalog.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.models import ApprovalKind, Stage, VisitKind

VISIT_KINDS = {
    VisitKind.VISIT: N_("Visit"),
    VisitKind.CALL: N_("Call"),
    VisitKind.MESSAGE: N_("Message"),
    VisitKind.MEETING: N_("Meeting"),
}
STAGES = {
    Stage.LEAD: N_("Lead"),
    Stage.QUALIFIED: N_("Qualified"),
    Stage.PROPOSAL: N_("Proposal"),
    Stage.NEGOTIATION: N_("Negotiation"),
    Stage.WON: N_("Won"),
    Stage.LOST: N_("Lost"),
}
REQUEST_KINDS = {
    ApprovalKind.DISCOUNT: N_("Discount"),
    ApprovalKind.CREDIT_LIMIT: N_("Credit limit"),
    ApprovalKind.EXPENSE: N_("Expense claim"),
    ApprovalKind.HANDOVER: N_("Customer handover"),
}
