"""The features of the product, in the order /help lists their commands, and the registry built
from their declarations for every channel."""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialogs import (
    account,
    approvals,
    capture,
    checkout,
    contacts,
    customer_edits,
    customers,
    daily_reports,
    deals,
    imports,
    ladder,
    photos,
    places,
    pool,
    receivables,
    reports,
    targets,
    tasks,
    team,
    visits,
)
from bot.dialogs.engine import Engine
from bot.dialogs.feature import Feature
from bot.dialogs.registry import Registry, build

__all__ = ["FEATURES", "Engine", "Registry", "build_registry"]

FEATURES: tuple[Feature, ...] = tuple(
    module.FEATURE
    for module in (
        customers,
        contacts,
        visits,
        checkout,
        capture,
        customer_edits,
        deals,
        receivables,
        approvals,
        tasks,
        daily_reports,
        pool,
        ladder,
        team,
        targets,
        reports,
        imports,
        places,
        photos,
        account,
    )
)


def build_registry(features: Sequence[Feature] = FEATURES) -> Registry:
    """Command names are the contract every channel shares: the same in every language."""
    return build(features)
