"""The dialogs and commands of the product, registered in one place for every channel."""

from __future__ import annotations

from bot.dialogs import (
    account,
    capture,
    contacts,
    customer_edits,
    customers,
    imports,
    reports,
    team,
    visits,
)
from bot.dialogs import approvals as money_approvals
from bot.dialogs import deals as money_deals
from bot.dialogs import receivables as money_receivables
from bot.dialogs import tasks as money_tasks
from bot.dialogs.engine import Engine
from bot.dialogs.registry import Registry

__all__ = ["Engine", "Registry", "build_registry"]


def build_registry() -> Registry:
    """Command names are the contract every channel shares: the same in every language."""
    registry = Registry()
    registry.commands["start"] = account.start_command
    registry.commands["help"] = account.help_command
    registry.commands["link"] = account.link_command
    registry.dialog(account.LANG)
    registry.dialog(account.TZ)
    registry.dialog(customers.NEW_CUSTOMER)
    registry.dialog(customers.FIND_CUSTOMER)
    registry.dialog(contacts.CONTACT)
    registry.dialogs[contacts.SHARED_CONTACT.name] = contacts.SHARED_CONTACT
    registry.dialog(visits.VISIT)
    registry.commands["followups"] = visits.followups
    registry.dialogs[capture.CAPTURE.name] = capture.CAPTURE
    registry.fallback = capture.capture_fallback
    registry.actions["cust"] = customers.open_customer
    registry.actions["visit"] = visits.start_visit
    registry.actions["contact"] = contacts.start_contact
    registry.actions["fu"] = visits.followups
    for money_module in (money_deals, money_receivables, money_approvals, money_tasks):
        money_module.register(registry)
    team.register(registry)
    customer_edits.register(registry)
    reports.register(registry)
    imports.register(registry)
    return registry
