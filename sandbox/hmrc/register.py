"""HMRC's register of VAT-registered businesses, which the Check a UK VAT number API reads.

Each entry holds a VAT number (9 digits, or 12 for a branch), the name and the
address HMRC has for the business, and whether it is registered today. A
deregistered business keeps its entry, so registering it again restores its
name and address, but a check no longer finds it. Lookups are exact: HMRC's
service matches the number as given, so ``GB`` prefixes and spaces never match.
Any 9 or 12 digits can be registered, as HMRC's own sandbox test numbers show
(most fail the check digits); the seeded numbers all pass them.
"""

import re

VAT_NUMBER = re.compile(r"\d{9}|\d{12}")
ADDRESS_LINES = ("line1", "line2", "line3", "line4", "line5")


def is_vat_number(text) -> bool:
    """Whether ``text`` has the shape HMRC's check accepts: 9 or 12 digits, nothing else."""
    return isinstance(text, str) and VAT_NUMBER.fullmatch(text) is not None


def address(line1, line2=None, line3=None, line4=None, line5=None, postcode=None, countryCode="GB") -> dict:
    """An address as HMRC answers it: the lines it has, the postcode if any, always the country code."""
    lines = dict(zip(ADDRESS_LINES, (line1, line2, line3, line4, line5)))
    found = {key: str(value) for key, value in lines.items() if value not in (None, "")}
    if postcode:
        found["postcode"] = str(postcode)
    found["countryCode"] = str(countryCode or "GB")
    return found


class VatRegister:
    """The register, kept in the system's ``State`` as the ``vat_register`` collection."""

    collection = "vat_register"

    def __init__(self, state):
        self.state = state

    def entry(self, vat_number: str) -> dict | None:
        """The entry of ``vat_number``, registered or not; None if HMRC never had it."""
        found = self.state.records(self.collection, lambda e: e["vatNumber"] == vat_number)
        return found[0] if found else None

    def registered(self, vat_number: str) -> dict | None:
        """The entry of ``vat_number`` if it is registered today: what a check finds."""
        entry = self.entry(vat_number)
        return entry if entry and entry["registered"] else None

    def entries(self) -> list[dict]:
        return self.state.records(self.collection)

    def register(self, vat_number: str, name=None, line1=None, registered=True, **details) -> dict:
        """Add or update an entry; an existing one keeps the name and address it is not given."""
        if not is_vat_number(vat_number):
            raise ValueError("vatNumber must be 9 or 12 digits")
        with self.state.lock:
            known = self.entry(vat_number)
            if known is None and not (name and line1):
                raise ValueError(f"{vat_number} is not on the register: give its name and line1 at least")
            record = {"vatNumber": vat_number, "registered": bool(registered)}
            if name:
                record["name"] = str(name)
            if line1:
                record["address"] = address(line1, **details)
            elif details:
                raise ValueError("a new address needs line1")
            if known is None:
                return self.state.insert(self.collection, record)
            return self.state.update(self.collection, known["id"], record)

    def deregister(self, vat_number: str) -> dict:
        """Mark ``vat_number`` as no longer registered; its checks answer 404 from now on."""
        with self.state.lock:
            known = self.entry(str(vat_number))
            if known is None:
                raise ValueError(f"{vat_number} is not on the register")
            return self.state.update(self.collection, known["id"], {"registered": False})
