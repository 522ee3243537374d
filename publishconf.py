"""Pelican settings for the published registry: pelicanconf.py plus production values."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403

SITEURL = "https://overdue.example"
RELATIVE_URLS = False

OVERDUE = {**OVERDUE, "site_url": SITEURL}  # noqa: F405

# Publisher: the bucket is private and served through CloudFront.
PUBLISH = {
    "bucket": os.environ.get("OVERDUE_BUCKET", ""),
    "prefix": os.environ.get("OVERDUE_PREFIX", ""),
    "distribution": os.environ.get("OVERDUE_DISTRIBUTION", ""),
    "region": os.environ.get("AWS_REGION", "us-east-1"),
    "max_delete_share": 0.10,
}
