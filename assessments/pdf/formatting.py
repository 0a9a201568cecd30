"""Indonesian dates for official documents, independent of the machine's locale.

The forms are Indonesian official documents whatever language the person reading the web pages
chose, and ``strftime("%B")`` would follow the process locale (English on most servers), so the
month and day names are spelled out here.
"""

import datetime
import zoneinfo

from django.utils import timezone

MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
# datetime.weekday(): Monday is 0.
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
# Indonesia's three time zones as people write them after a time.
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def tanggal(value: datetime.date | datetime.datetime | None) -> str:
    """``25 November 2026``; an aware datetime is first moved to the current time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value).date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def hari_tanggal(value: datetime.date | datetime.datetime | None) -> str:
    """``Rabu, 25 November 2026``."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = _local(value).date()
    return f"{DAYS[value.weekday()]}, {tanggal(value)}"


def zone_name(value: datetime.datetime) -> str:
    tz = value.tzinfo
    key = getattr(tz, "key", None) or (str(tz) if isinstance(tz, zoneinfo.ZoneInfo) else "")
    return ZONE_NAMES.get(key, "")


def jam(value: datetime.datetime | None) -> str:
    """``14.30 WIB`` (Indonesian writes a dot between hours and minutes)."""
    if value is None:
        return ""
    local = _local(value)
    zone = zone_name(local)
    return f"{local:%H.%M}" + (f" {zone}" if zone else "")


def tanggal_jam(value: datetime.datetime | None) -> str:
    """``25 November 2026, 14.30 WIB``."""
    if value is None:
        return ""
    return f"{tanggal(value)}, {jam(value)}"
