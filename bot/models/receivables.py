"""Receivables: invoices, payments, and how each payment is allocated to invoices."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from bot.models.customers import Customer
from bot.models.users import User


class InvoiceStatus(StrEnum):
    """Open until fully paid; void invoices are kept but owe nothing."""

    OPEN = "open"
    PAID = "paid"
    VOID = "void"


class Invoice(Model):
    """An amount a customer owes from its issue date, due on its due date."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=64, unique=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="invoices", on_delete=fields.RESTRICT
    )
    customer_id: int
    amount = fields.DecimalField(max_digits=18, decimal_places=2)
    paid_amount = fields.DecimalField(max_digits=18, decimal_places=2, default=Decimal(0))
    currency = fields.CharField(max_length=3, default="CNY")
    issue_date = fields.DateField()
    due_date = fields.DateField()
    status = fields.CharEnumField(InvoiceStatus, max_length=8, default=InvoiceStatus.OPEN)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "invoices"
        indexes = (("status", "due_date"), ("customer_id", "status"))


class Payment(Model):
    """Money received from a customer, allocated to one or more invoices."""

    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="payments", on_delete=fields.RESTRICT
    )
    customer_id: int
    amount = fields.DecimalField(max_digits=18, decimal_places=2)
    currency = fields.CharField(max_length=3, default="CNY")
    paid_on = fields.DateField()
    method = fields.CharField(max_length=32, default="")
    reference = fields.CharField(max_length=100, default="")
    recorded_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    recorded_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payments"


class PaymentAllocation(Model):
    """The part of a payment applied to one invoice."""

    id = fields.IntField(primary_key=True)
    payment: fields.ForeignKeyRelation[Payment] = fields.ForeignKeyField(
        "models.Payment", related_name="allocations", on_delete=fields.CASCADE
    )
    payment_id: int
    invoice: fields.ForeignKeyRelation[Invoice] = fields.ForeignKeyField(
        "models.Invoice", related_name="allocations", on_delete=fields.RESTRICT
    )
    invoice_id: int
    amount = fields.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        table = "payment_allocations"
