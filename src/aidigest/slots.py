"""Slot arithmetic: the 4-hour grid (configurable) in the digest's time zone.

A slot is named by its END: ``2025.12.07.08`` covers 04:00–08:00 +08:00. Slots start at
00:00 in the zone, so ``slot_hours`` must divide 24. Pure functions; no clock is read here
except through the ``now`` argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aidigest.errors import ConfigError, SlotError

_SLOT_RE = re.compile(r"^\s*(\d{4})[-.](\d{2})[-.](\d{2})[T.\s](\d{2})(?::00(?::00)?)?\s*$")


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for ``name``, or a ConfigError that names it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"unknown time zone {name!r} in [digest] timezone; use an IANA name "
            "such as 'Asia/Shanghai'"
        ) from exc


@dataclass(frozen=True, order=True)
class Slot:
    """The window ``[start, end)`` named by its end, an aware datetime in the digest zone."""

    end: datetime
    hours: int = 4

    def __post_init__(self) -> None:
        if self.end.tzinfo is None:
            raise SlotError("a slot end must carry a time zone")
        if self.hours <= 0 or 24 % self.hours:
            raise ConfigError(
                f"slot_hours = {self.hours} does not divide 24; use 1, 2, 3, 4, 6, 8, 12 or 24"
            )

    @property
    def start(self) -> datetime:
        return self.end - timedelta(hours=self.hours)

    @property
    def label(self) -> str:
        """``2025.12.07.08``: the form used in digest titles."""
        return self.end.strftime("%Y.%m.%d.%H")

    @property
    def key(self) -> str:
        """``2025-12-07T08``: the form used on the command line and in the store."""
        return self.end.strftime("%Y-%m-%dT%H")

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def next(self) -> Slot:
        return Slot(_on_grid(self.end + timedelta(hours=self.hours), self.hours), self.hours)

    def previous(self) -> Slot:
        return Slot(_on_grid(self.end - timedelta(hours=self.hours), self.hours), self.hours)

    def __str__(self) -> str:
        return self.key


def _on_grid(moment: datetime, hours: int) -> datetime:
    """Round an aware datetime down to the slot grid of its own zone (wall-clock hours)."""
    tz = moment.tzinfo
    local = moment.replace(minute=0, second=0, microsecond=0)
    hour = local.hour - local.hour % hours
    snapped = local.replace(hour=hour)
    # Re-attach the zone so DST offsets are recomputed for the snapped wall time.
    return snapped.replace(tzinfo=None).replace(tzinfo=tz)


def parse_slot(text: str, tz_name: str = "Asia/Shanghai", hours: int = 4) -> Slot:
    """Parse ``2025-12-07T08`` or ``2025.12.07.08`` as a slot end in zone ``tz_name``."""
    match = _SLOT_RE.match(text or "")
    if not match:
        raise SlotError(
            f"cannot read slot {text!r}; write it as 2025-12-07T08 or 2025.12.07.08 "
            f"(the END of the window, in {tz_name})"
        )
    year, month, day, hour = (int(g) for g in match.groups())
    try:
        end = datetime(year, month, day, hour, tzinfo=zone(tz_name))
    except ValueError as exc:
        raise SlotError(f"slot {text!r} is not a real date/hour: {exc}") from exc
    if hour % hours:
        raise SlotError(
            f"slot {text!r} is not on the {hours}-hour grid; slot ends are at hours "
            + ", ".join(f"{h:02d}" for h in range(0, 24, hours))
        )
    return Slot(end, hours)


def latest_finished(now: datetime, tz_name: str = "Asia/Shanghai", hours: int = 4) -> Slot:
    """The most recent slot whose end is at or before ``now`` (an aware datetime)."""
    if now.tzinfo is None:
        raise SlotError("now must be timezone-aware")
    local = now.astimezone(zone(tz_name))
    return Slot(_on_grid(local, hours), hours)


def slot_containing(moment: datetime, tz_name: str = "Asia/Shanghai", hours: int = 4) -> Slot:
    """The slot whose window holds ``moment``."""
    return latest_finished(moment, tz_name, hours).next()


def slots_between(first: Slot, last: Slot) -> Iterator[Slot]:
    """Every slot from ``first`` to ``last`` inclusive, in order."""
    current = first
    while current.end <= last.end:
        yield current
        current = current.next()
