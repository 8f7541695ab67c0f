"""Notifications: scheduled ticks fill the outbox, the dispatcher empties it through senders.

`jobs` are the ticks (digest, summary, reminders, expiry), `dispatcher` claims and delivers,
`limits` keeps within the messenger's rates (the per-channel `Sender` protocol is
`bot.sending`), `runner` wires them into APScheduler 3 for `crmbot run` and `crmbot scheduler`.
"""

from bot.scheduler.dispatcher import Dispatcher
from bot.scheduler.limits import Limits, TokenBucket
from bot.scheduler.runner import Scheduler

__all__ = ["Dispatcher", "Limits", "Scheduler", "TokenBucket"]
