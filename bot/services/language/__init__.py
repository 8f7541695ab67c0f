"""Reading what people type or say: dates, amounts, phone numbers, quick-capture notes."""
