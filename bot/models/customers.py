"""Customers (the company's accounts) and the people who work there."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from bot.models.users import User


class CustomerStatus(StrEnum):
    """Where a customer stands with the company."""

    ACTIVE = "active"
    PROSPECT = "prospect"
    INACTIVE = "inactive"


class Customer(Model):
    """One company account: one owner at a time, or none while it waits in the public pool
    (公海), where `previous_owner` says who had it last and `pooled_at` since when."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    normalized_name = fields.CharField(max_length=200, db_index=True)
    phone = fields.CharField(max_length=32, null=True, db_index=True)
    address = fields.CharField(max_length=300, default="")
    industry = fields.CharField(max_length=100, default="")
    tier = fields.CharField(max_length=1, default="")
    status = fields.CharEnumField(CustomerStatus, max_length=10, default=CustomerStatus.ACTIVE)
    credit_limit = fields.DecimalField(max_digits=16, decimal_places=2, default=Decimal(0))
    notes = fields.TextField(default="")
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="customers", null=True, on_delete=fields.RESTRICT
    )
    owner_id: int | None
    pooled_at = fields.DatetimeField(null=True, db_index=True)
    previous_owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    previous_owner_id: int | None
    last_contact_at = fields.DatetimeField(null=True)
    # Where the customer is: set from a shared location, or learned from the first check-in.
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    place_learned = fields.BooleanField(default=False, db_default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "customers"
        indexes = (("owner_id", "last_contact_at"), ("updated_at",), ("latitude", "longitude"))


class Contact(Model):
    """A person at a customer the rep talks to."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="contacts", on_delete=fields.CASCADE
    )
    customer_id: int
    name = fields.CharField(max_length=100)
    title = fields.CharField(max_length=100, default="")
    phone = fields.CharField(max_length=32, null=True)
    email = fields.CharField(max_length=200, default="")
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contacts"


class CustomerAlias(Model):
    """The name and phone of a customer merged into another: still searchable, so the old name
    (on a business card, in a rep's memory) finds the customer that was kept."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="aliases", on_delete=fields.CASCADE
    )
    customer_id: int
    merged_id = fields.IntField()
    name = fields.CharField(max_length=200)
    normalized_name = fields.CharField(max_length=200, db_index=True)
    phone = fields.CharField(max_length=32, null=True, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer_aliases"


class CustomerNameChange(Model):
    """One committed change to what the name indexes hold, written by database triggers on
    `customers` and `customer_aliases`, so no writer (a dialog, an import, a merge, a handover,
    the demo data) can forget it. Each instance catches up by reading the rows it has not seen.

    A row is a customer's new key and owner (`alias_id` empty) or an alias's new key and the
    customer it points to; an empty key means the customer or alias is gone. On PostgreSQL `xid`
    is the writing transaction, which is what makes catching up exact: ids are taken before
    commit, but every transaction below a snapshot's xmin has finished.
    """

    id = fields.BigIntField(primary_key=True)
    customer_id = fields.IntField()
    alias_id = fields.IntField(null=True)
    normalized_name = fields.CharField(max_length=200, null=True)
    owner_id = fields.IntField(null=True)
    xid = fields.BigIntField(null=True, db_index=True)

    class Meta:
        table = "customer_name_changes"
