"""All models, one module per concept; Tortoise discovers them from this package."""

from bot.models.audit import AuditEvent
from bot.models.customers import Contact, Customer, CustomerStatus
from bot.models.dialogs import DialogState
from bot.models.notifications import JobRun, Notification, NotificationStatus
from bot.models.users import ChannelIdentity, Invite, Role, User
from bot.models.visits import Visit, VisitKind

__all__ = [
    "AuditEvent",
    "ChannelIdentity",
    "Contact",
    "Customer",
    "CustomerStatus",
    "DialogState",
    "Invite",
    "JobRun",
    "Notification",
    "NotificationStatus",
    "Role",
    "User",
    "Visit",
    "VisitKind",
]
