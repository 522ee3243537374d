"""Overdue: a public registry of unpaid B2B debts and the dunning pipeline that leads to it."""
