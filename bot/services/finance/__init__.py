"""Money: deals and their stages, invoices and payments, receivables aging, approvals."""
