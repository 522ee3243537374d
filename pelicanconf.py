"""Pelican settings for the Overdue registry (development build)."""

SITENAME = "Overdue"
SITEURL = ""  # development: relative to the local server
PATH = "content"
THEME = "theme"
TIMEZONE = "America/New_York"
DEFAULT_LANG = "en"

PLUGINS = ["pipeline.site"]

# The registry generator renders every page itself; Pelican's own article, page and feed
# machinery stays off so that nothing in content/ is published by accident.
ARTICLE_PATHS: list[str] = []
PAGE_PATHS: list[str] = []
STATIC_PATHS: list[str] = []
THEME_STATIC_PATHS: list[str] = []
DIRECT_TEMPLATES: list[str] = []
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
DELETE_OUTPUT_DIRECTORY = False  # the generator removes stale files itself
JINJA_ENVIRONMENT = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True}

# Registry settings: `overdue docs` or README "Settings" list every key with its help.
OVERDUE = {
    "site_url": "https://overdue.example",
    "site_name": SITENAME,
    "content_dir": "content/debts",
    "pages_dir": "content/pages",
    "timezone": TIMEZONE,
    "notice_days": 30,
    "min_days_overdue": 60,
    "max_listing_days": 365,
}
