"""The public page of an organization: it shows the listings, trades and grade of areas that
build on organizations, so it sits above them rather than inside `market.orgs`."""
