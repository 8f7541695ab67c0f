"""Tests of the money side: deals, receivables, approvals, tasks, invoice import."""
