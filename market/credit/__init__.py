"""The marketplace side of credit: the SQL ledger, the outbox intake, the credit pages."""
