"""Flea-market days (跳蚤市场): an organizer's dated event with stalls, and its applications."""
