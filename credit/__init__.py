"""Shared credit for sellers and platforms: identifiers, ledger, score and grade (no Flask)."""
