"""Timestamps as the OpenStack APIs print them."""

from __future__ import annotations

import datetime


def _utc(ts: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)


def iso_seconds(ts: float) -> str:
    """`2013-09-03T04:01:32Z`: Nova's created/updated, Glance's created_at."""
    return _utc(ts).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_micro(ts: float) -> str:
    """`2013-09-23T13:37:00.880302`: Nova's launched_at and keypair created_at (no zone)."""
    return _utc(ts).strftime("%Y-%m-%dT%H:%M:%S.%f")
