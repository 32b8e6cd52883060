from datetime import UTC, datetime
from itertools import pairwise

import pytest

from aidigest.errors import ConfigError, SlotError
from aidigest.slots import Slot, latest_finished, parse_slot, slot_containing, slots_between


def test_both_spellings_name_the_same_slot() -> None:
    a = parse_slot("2025-12-07T08")
    b = parse_slot("2025.12.07.08")
    assert a == b
    assert a.label == "2025.12.07.08"
    assert a.key == "2025-12-07T08"


def test_slot_is_the_end_of_the_window() -> None:
    slot = parse_slot("2025.12.07.08")
    assert slot.start.isoformat() == "2025-12-07T04:00:00+08:00"
    assert slot.start_utc == datetime(2025, 12, 6, 20, tzinfo=UTC)
    assert slot.end_utc == datetime(2025, 12, 7, 0, tzinfo=UTC)
    assert slot.contains(datetime(2025, 12, 7, 7, 59, tzinfo=slot.end.tzinfo))
    assert not slot.contains(slot.end)


def test_latest_finished_slot() -> None:
    # 00:00:08Z is 08:00:08 in Shanghai: the 08 slot has just finished.
    assert latest_finished(datetime(2025, 12, 7, 0, 0, 8, tzinfo=UTC)).key == "2025-12-07T08"
    assert latest_finished(datetime(2025, 12, 6, 23, 59, tzinfo=UTC)).key == "2025-12-07T04"
    assert slot_containing(datetime(2025, 12, 6, 23, 59, tzinfo=UTC)).key == "2025-12-07T08"


def test_midnight_rolls_over_days_and_grid_is_continuous() -> None:
    first = parse_slot("2025-12-06T20")
    assert first.next().key == "2025-12-07T00"
    assert first.next().previous() == first
    slots = list(slots_between(parse_slot("2025-12-06T00"), parse_slot("2025-12-07T00")))
    assert len(slots) == 7
    assert all(b.start == a.end for a, b in pairwise(slots))


def test_other_zone_and_hours() -> None:
    slot = parse_slot("2025-07-01T06", "America/New_York", 6)
    assert slot.end.utcoffset().total_seconds() == -4 * 3600  # type: ignore[union-attr]
    assert slot.previous().key == "2025-07-01T00"


@pytest.mark.parametrize("text", ["2025-12-07", "07.12.2025.08", "2025-12-07T07", "2025-13-01T08", ""])
def test_bad_slots_say_how_to_write_one(text: str) -> None:
    with pytest.raises(SlotError) as info:
        parse_slot(text)
    assert text in str(info.value) or "grid" in str(info.value) or "real date" in str(info.value)


def test_hours_must_divide_a_day() -> None:
    with pytest.raises(ConfigError):
        Slot(datetime(2025, 1, 1, tzinfo=UTC), 5)
