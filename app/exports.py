"""CSV exports that are safe to open in a spreadsheet."""


def spreadsheet_safe(value: object) -> object:
    """Spreadsheets run cells that start with = + - @ as formulas, and names are user
    input: such cells get a leading apostrophe, which shows them as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
