"""The device-wipe agent: clears storage to standard and signs certificates (no Flask)."""
