"""The path converter every partner URL with an integer id uses: ``<id:pk>``."""

from django.urls.converters import IntConverter

#: the largest id PostgreSQL's bigint (and SQLite's integer) holds
MAX_ID = 2**63 - 1


class IdConverter(IntConverter):
    """A non-negative id the database can hold. A larger number does not
    match, so the URL is a plain 404 before any query: SQLite cannot even
    bind such a number (a 500), and a page id compared through its parent
    link escapes Django's own out-of-range guard."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(f"{value} is beyond the largest id")
        return number
