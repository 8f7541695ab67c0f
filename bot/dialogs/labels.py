"""The words for the domain's values (visit kinds, deal stages, request kinds), in one place.

Services speak in enum values; every dialog and renderer that shows one takes its label from
here, through the reader's catalog.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.models import ApprovalKind, Role, Stage, VisitKind

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
# Receivables aging buckets, as finance names them.
BUCKET_LABELS = {
    "due_today": N_("due today"),
    "due_week": N_("due within 7 days"),
    "due_later": N_("due later"),
    "overdue_1_30": N_("overdue 1–30 days"),
    "overdue_31_60": N_("overdue 31–60 days"),
    "overdue_61_90": N_("overdue 61–90 days"),
    "overdue_91_180": N_("overdue 91–180 days"),
    "overdue_181": N_("overdue over 180 days"),
}
ROLE_LABELS = {
    Role.REP: N_("sales rep"),
    Role.MANAGER: N_("manager"),
    Role.FINANCE: N_("finance"),
    Role.ADMIN: N_("admin"),
}

# How a payment came in, as finance records it.
PAYMENT_METHODS = {
    "bank": N_("Bank transfer"),
    "cash": N_("Cash"),
    "alipay": N_("Alipay"),
    "wechat": N_("WeChat Pay"),
    "cheque": N_("Cheque"),
}
