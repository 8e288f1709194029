"""VAT periods: calendar quarters and months, their due dates and period keys, and the API's date parameters."""

import calendar
from datetime import date, timedelta


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def due_date(end: date) -> date:
    """One month and seven days after the period: the end of the next month, plus seven days."""
    year, month = (end.year + 1, 1) if end.month == 12 else (end.year, end.month + 1)
    return month_end(year, month) + timedelta(days=7)


def quarter(year: int, number: int) -> tuple[date, date]:
    """The calendar quarter ``number`` (1 to 4) of ``year``: its first and last days."""
    first = 3 * number - 2
    return date(year, first, 1), month_end(year, first + 2)


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(year: int, number: int) -> tuple[int, int]:
    return (year - 1, 4) if number == 1 else (year, number - 1)


def quarter_key(year: int, number: int) -> str:
    """Shaped as HMRC's quarterly keys: two digits of the year, a letter, the quarter (``18A1``)."""
    return f"{year % 100:02d}A{number}"


def month_key(year: int, month: int) -> str:
    """Shaped as HMRC's monthly keys: the month as a letter from D for January (``18AD``)."""
    return f"{year % 100:02d}A{chr(ord('C') + month)}"


def parse_date(text: str | None) -> date | None:
    """A ``YYYY-MM-DD`` date, or None if ``text`` is not exactly one."""
    if not text or len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def add_years(day: date, years: int = 1) -> date:
    """The same day ``years`` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
