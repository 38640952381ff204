"""A member's own data across the marketplace: the download (PIPL art. 45) and deleting the
account. It reads every area that holds personal data, so it sits above them all."""
