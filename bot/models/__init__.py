"""All models, one module per concept; Tortoise discovers them from this package."""

from bot.models.approvals import (
    ApprovalDecision,
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    Task,
)
from bot.models.audit import AuditEvent
from bot.models.customers import (
    Contact,
    Customer,
    CustomerAlias,
    CustomerNameChange,
    CustomerStatus,
)
from bot.models.daily_reports import DailyReport, ReportComment, ReportStatus
from bot.models.deals import Deal, DealStageChange, Stage
from bot.models.dialogs import DialogState
from bot.models.notifications import JobRun, Notification, NotificationStatus
from bot.models.pool import PoolMove, PoolMoveKind
from bot.models.receivables import Invoice, InvoiceStatus, Payment, PaymentAllocation
from bot.models.targets import Target, TargetMetric, TargetScope
from bot.models.updates import ApiToken, ProcessedUpdate
from bot.models.users import ChannelIdentity, Invite, Role, StrangerNotice, User
from bot.models.visits import Visit, VisitKind, VisitPhoto

__all__ = [
    "ApiToken",
    "ApprovalDecision",
    "ApprovalKind",
    "ApprovalRequest",
    "ApprovalStatus",
    "AuditEvent",
    "ChannelIdentity",
    "Contact",
    "Customer",
    "CustomerAlias",
    "CustomerNameChange",
    "CustomerStatus",
    "DailyReport",
    "Deal",
    "DealStageChange",
    "DialogState",
    "Invite",
    "Invoice",
    "InvoiceStatus",
    "JobRun",
    "Notification",
    "NotificationStatus",
    "Payment",
    "PaymentAllocation",
    "PoolMove",
    "PoolMoveKind",
    "ProcessedUpdate",
    "ReportComment",
    "ReportStatus",
    "Role",
    "Stage",
    "StrangerNotice",
    "Target",
    "TargetMetric",
    "TargetScope",
    "Task",
    "User",
    "Visit",
    "VisitKind",
    "VisitPhoto",
]
