"""The services an order can grant (DESIGN section 2), by category."""

SERVICE_CATEGORIES: dict[str, str] = {
    "cleaning": "service",
    "laundry": "service",
    "shopping": "service",
    "meal": "meals",
    "hygiene": "personal_care",
    "shower": "personal_care",
    "dressing": "personal_care",
    "walk": "social",
    "company": "social",
    "supervision": "supervision",
}
SERVICE_CODES = frozenset(SERVICE_CATEGORIES)
