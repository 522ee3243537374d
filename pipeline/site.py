"""Pelican plugin: registers the registry generator.

Add `"pipeline.site"` to PLUGINS in pelicanconf.py. The generator reads the OVERDUE
settings, builds the registry pages with our own precompiled templates (not Pelican's
article pipeline, which is far too slow for tens of thousands of cases) and reports a
build summary.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import Generator
from pelican.log import console

from .build import build_site, build_summary
from .errors import BuildRefused, CacheUnusable
from .settings import settings_from_mapping


class RegistryGenerator(Generator):  # type: ignore[misc]
    """Builds /cases/, /companies/, /jurisdictions/ and the home page from content/debts/."""

    def generate_context(self) -> None:
        values = dict(self.settings.get("OVERDUE", {}))
        values.setdefault("site_url", self.settings.get("SITEURL") or "https://overdue.example")
        values.setdefault("site_name", self.settings.get("SITENAME") or "Overdue")
        base = Path(self.settings.get("PATH", "content")).parent
        for key, default in (("content_dir", "content/debts"), ("pages_dir", "content/pages")):
            path = Path(values.get(key, default))
            values[key] = path if path.is_absolute() else base / path
        self.registry_settings = settings_from_mapping(values)
        cache = self.settings.get("OVERDUE_CACHE_DIR", ".overdue-cache")
        self.cache_dir = None if cache is None else base / cache

    def generate_output(self, writer: Any) -> None:
        try:
            result = build_site(
                self.registry_settings, Path(self.output_path), Path(self.theme),
                cache_dir=self.cache_dir,
            )  # fmt: skip
        except BuildRefused as exc:
            # Every problem as `overdue check` prints it, then a plain exit. Through the
            # logger, `--fatal warnings` stopped at the first problem (hiding the rest),
            # and Pelican answers any exception with a traceback.
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(f"{len(exc.problems)} problem(s) found; the site was not built.", file=sys.stderr)
            raise SystemExit(1) from None
        except CacheUnusable as exc:
            print(f"Error: {exc}", file=sys.stderr)
            raise SystemExit(1) from None
        # Pelican shows only warnings by default (and --fatal warnings fails on them), so the
        # build summary goes to its console, like its own "Done:" line.
        console.print(build_summary(result))


def get_generators(pelican: Any) -> type[Generator]:
    return RegistryGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
