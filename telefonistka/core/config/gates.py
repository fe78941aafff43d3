"""Promotion gates and freezes as configured: the values, and the parsers that read them.

A flow's ``gates`` say when its promotion PRs may be merged: after the source has soaked
(``soakTime``), with the source's Argo CD apps healthy (``requireHealthy``), with named
commit statuses or check runs green (``requireStatuses``), inside a weekly window
(``windows``). Repository-wide ``freezes`` stop merges into their targets between two
instants. The values are parsed here, once, for both ``validate`` (a located problem per
bad value) and the model; ``core.promotion.gates`` evaluates them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True)
class Window:
    """Merges allowed on ``days`` (0 Monday … 6 Sunday) from ``start`` to ``end`` (local
    time of ``timezone``, end excluded; ``end`` 24:00 is midnight)."""

    days: frozenset[int]
    start: time
    end: time | None  # None: 24:00, the end of the day
    timezone: str

    def describe(self) -> str:
        days = ",".join(DAYS[d] for d in sorted(self.days))
        end = "24:00" if self.end is None else self.end.strftime("%H:%M")
        return f"{days} {self.start.strftime('%H:%M')}-{end} {self.timezone}"


@dataclass(frozen=True)
class Gates:
    """A flow's ``gates``; a flow without the key has none (``None``)."""

    soak_time: timedelta | None = None
    require_healthy: bool = False
    require_statuses: tuple[str, ...] = ()
    windows: tuple[Window, ...] = ()


@dataclass(frozen=True)
class Freeze:
    """One entry of ``freezes``: no merge into ``targets`` (path prefixes; every target
    when empty) from ``start`` to ``end`` (both aware instants, end excluded)."""

    start: datetime
    end: datetime
    reason: str
    targets: tuple[str, ...] = ()

    def covers(self, target: str) -> bool:
        return not self.targets or any(target.startswith(prefix) for prefix in self.targets)


def parse_duration(text: str) -> timedelta:
    """``30m``, ``2h``, ``1d``, ``1d12h`` → a positive ``timedelta``; ``ValueError`` says
    what is wrong."""
    found = _DURATION.match(text.strip())
    if not text.strip() or found is None:
        raise ValueError(f"'{text}' is not a duration: write e.g. 30m, 2h, 1d or 1d12h")
    days, hours, minutes = (int(part or 0) for part in found.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes)
    if duration <= timedelta(0):
        raise ValueError(f"'{text}' is no time at all: leave soakTime out instead")
    return duration


def parse_hours(text: str) -> tuple[time, time | None]:
    """``09:00-16:00`` → (start, end); ``end`` None for ``24:00``. A window that crosses
    midnight is two windows."""
    found = _HOURS.match(text.strip())
    if found is None:
        raise ValueError(f"'{text}' is not hours: write HH:MM-HH:MM, e.g. 09:00-16:00")
    start = time(int(found.group(1)), int(found.group(2)))
    end_hour, end_minute = int(found.group(3)), int(found.group(4))
    if end_hour == 24 and end_minute:
        raise ValueError(f"'{text}': the latest end is 24:00")
    end = None if end_hour == 24 else time(end_hour, end_minute)
    if end is not None and end <= start:
        raise ValueError(
            f"'{text}' ends before it starts: a window that crosses midnight is two "
            "windows (e.g. 22:00-24:00 and 00:00-06:00 of the next days)"
        )
    return start, end


def parse_days(names: list[str]) -> frozenset[int]:
    found = set()
    for name in names:
        key = str(name).strip().lower()[:3]
        if key not in DAYS:
            raise ValueError(f"'{name}' is not a day: write mon, tue, wed, thu, fri, sat or sun")
        found.add(DAYS.index(key))
    return frozenset(found)


def check_timezone(name: str) -> str:
    """``name`` when it is an IANA time zone (``Europe/Berlin``, ``UTC``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"'{name}' is not a time zone: write an IANA name such as Europe/Berlin or UTC"
        ) from None
    return name


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with its offset (``2026-12-20T00:00:00+01:00``, ``…Z``)."""
    try:
        value = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(
            f"'{text}' is not a date and time: write e.g. 2026-12-20T00:00:00+01:00"
        ) from None
    if value.tzinfo is None:
        raise ValueError(f"'{text}' has no UTC offset: add one (+01:00, Z) so it is one instant")
    return value


def describe_gates(
    gates: Gates | None, freezes: tuple[Freeze, ...], targets: tuple[str, ...]
) -> tuple[str, ...]:
    """What a promotion into ``targets`` will wait for, one short phrase per gate, for
    the plan: ``soak 2h``, ``checks e2e/staging``, ``Argo CD apps healthy``,
    ``window mon,tue 09:00-16:00 Europe/Berlin``, ``freeze year-end (20 Dec - 04 Jan 2027)``."""
    found: list[str] = []
    if gates is not None:
        if gates.soak_time is not None:
            hours, rest = divmod(int(gates.soak_time.total_seconds()) // 60, 60)
            found.append(f"soak {hours}h{rest:02d}m" if rest else f"soak {hours}h")
        if gates.require_statuses:
            found.append("checks " + ", ".join(gates.require_statuses))
        if gates.require_healthy:
            found.append("Argo CD apps healthy")
        found += [f"window {window.describe()}" for window in gates.windows]
    for freeze in freezes:
        if any(freeze.covers(target) for target in targets):
            span = f"{freeze.start:%d %b} - {freeze.end:%d %b %Y}"
            found.append(f"freeze {freeze.reason} ({span})")
    return tuple(found)
