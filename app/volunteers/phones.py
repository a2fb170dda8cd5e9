"""Phone numbers in E.164, parsed with libphonenumber (default region from settings)."""

import phonenumbers

from app.settings import get_settings


def normalize(raw: str) -> str:
    """E.164 form of `raw`, or ValueError with a message fit for a client."""
    try:
        number = phonenumbers.parse(raw, get_settings().default_phone_region)
    except phonenumbers.NumberParseException:
        raise ValueError("is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalize(raw: str) -> str | None:
    try:
        return normalize(raw)
    except ValueError:
        return None
