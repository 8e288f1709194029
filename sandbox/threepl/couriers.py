"""Carriers the warehouse ships with, and tracking numbers shaped like theirs."""

ROYAL_MAIL = "Royal Mail"
DPD = "DPD"

TRACKING_URLS = {
    ROYAL_MAIL: "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
    DPD: "https://track.dpd.co.uk/parcels/{number}",
}
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def carrier_for(service: str | None) -> str:
    """The carrier behind a courier service name; Royal Mail unless it says DPD."""
    return DPD if service and "DPD" in service.upper() else ROYAL_MAIL


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit Royal Mail tracked numbers end with, before the country code."""
    remainder = 11 - sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS)) % 11
    return {10: 0, 11: 5}.get(remainder, remainder)


def tracking_number(carrier: str, rng) -> str:
    """A fresh tracking number: ``AB123456785GB`` for Royal Mail, 14 digits for DPD."""
    if carrier == DPD:
        return "1550" + "".join(str(rng.randint(0, 9)) for _ in range(10))
    letters = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(2))
    serial = "".join(str(rng.randint(0, 9)) for _ in range(8))
    return f"{letters}{serial}{s10_check_digit(serial)}GB"


def tracking_url(carrier: str, number: str) -> str:
    return TRACKING_URLS[carrier].format(number=number)
