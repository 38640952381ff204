"""Partner platforms: API keys, the credit sharing API, its idempotency records and audit."""
