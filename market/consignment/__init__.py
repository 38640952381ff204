"""Consignment shops (寄卖店): agreements, markdowns, sales and payouts."""
