"""Notifications: scheduled ticks fill the outbox, the dispatcher empties it through senders.

`jobs` are the ticks (digest, summary, reminders, expiry), `dispatcher` claims and delivers,
`limits` keeps within the messenger's rates, `senders` is the per-channel protocol, `runner`
wires them into APScheduler 3 for `crmbot run` and `crmbot scheduler`.
"""

from bot.scheduler.dispatcher import Dispatcher
from bot.scheduler.limits import Limits, TokenBucket
from bot.scheduler.runner import Scheduler
from bot.scheduler.senders import Permanent, Retryable, Sender, SendError

__all__ = [
    "Dispatcher",
    "Limits",
    "Permanent",
    "Retryable",
    "Scheduler",
    "SendError",
    "Sender",
    "TokenBucket",
]
