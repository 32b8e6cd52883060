"""Parsing and formatting instants: ISO 8601 in, aware UTC out."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime

from aidigest.errors import InputError


def parse_instant(value: str, what: str = "time") -> datetime:
    """Parse ISO 8601 (``Z`` allowed) or RFC 2822; naive times are taken as UTC."""
    text = (value or "").strip()
    if not text:
        raise InputError(f"empty {what}; write it as ISO 8601, e.g. 2025-12-07T02:15:00Z")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise InputError(
                f"cannot read {what} {value!r}; write it as ISO 8601, e.g. 2025-12-07T02:15:00Z"
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 and the like: outside datetime's range
        raise InputError(f"{what} {value!r} is out of range") from None


def iso_utc(moment: datetime) -> str:
    """Fixed-width UTC form that sorts as text: ``2025-12-07T02:15:00+00:00``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def now_utc() -> datetime:
    return datetime.now(UTC)


def local_text(value: str | datetime | None, tz: tzinfo) -> str:
    """An instant as a person reads it, in the digest's zone: ``2025-12-07 08:05:12+08:00``
    (stored times are UTC); an unreadable value comes back unchanged, None as ``""``."""
    if value is None or value == "":
        return ""
    try:
        moment = value if isinstance(value, datetime) else parse_instant(value)
    except InputError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).replace(microsecond=0).isoformat(sep=" ")
