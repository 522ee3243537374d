"""End to end: the sample site builds, shows every public case and nothing of the others."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.build import MANIFEST_NAME, build_site
from pipeline.registry import load_registry
from pipeline.settings import RegistrySettings

from ..casefactory import AS_OF
from ..conftest import REPO


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RegistrySettings]:
    root = tmp_path_factory.mktemp("site")
    settings = RegistrySettings(
        content_dir=REPO / "content" / "debts", pages_dir=REPO / "content" / "pages", as_of=AS_OF
    )
    build_site(settings, root / "output", REPO / "theme")
    return root / "output", settings


def all_text(output: Path) -> str:
    """Every file's readable forms (compressed search fragments unpacked), as one text."""
    from ..takedown.leakscan import site_files

    return "\n".join(
        form.decode("utf-8", "replace") for _, forms in site_files(output) for form in forms
    )


def test_one_page_per_public_case(sample_site: tuple[Path, RegistrySettings]) -> None:
    output, settings = sample_site
    registry = load_registry([settings.content_dir], settings, AS_OF)
    public = {a.case.case.lower() for a in registry.public}
    pages = {p.parent.name for p in (output / "cases").glob("*/index.html")}
    assert pages == public
    assert len(public) >= 6


def test_no_mention_of_private_cases(sample_site: tuple[Path, RegistrySettings]) -> None:
    output, settings = sample_site
    registry = load_registry([settings.content_dir], settings, AS_OF)
    text = all_text(output)
    for assessment in registry.assessments:
        if assessment.public:
            continue
        case = assessment.case
        for canary in (
            case.case,
            case.debtor.name,
            html.escape(case.debtor.name),
            *(i.number for i in case.claim.invoices),
        ):
            assert canary not in text, (case.case, canary)


def test_private_fields_never_reach_output(sample_site: tuple[Path, RegistrySettings]) -> None:
    output, settings = sample_site
    registry = load_registry([settings.content_dir], settings, AS_OF)
    text = all_text(output)
    for assessment in registry.assessments:
        case = assessment.case
        secrets = [c.name for c in case.debtor.contacts] + [
            c.email for c in case.debtor.contacts if c.email
        ]
        secrets += [c.phone for c in case.debtor.contacts if c.phone]
        if case.creditor.display == "anonymous":
            secrets.append(case.creditor.name)
        for secret in secrets:
            assert secret not in text, (case.case, secret)


def test_pages_and_manifest(sample_site: tuple[Path, RegistrySettings]) -> None:
    output, _ = sample_site
    for page in ("index.html", "how-to-resolve/index.html", "disputes/index.html", "jurisdictions/us/tx/index.html",
                 "companies/northwind-analytics-inc/index.html", "cases/nwa-2025-001/index.html"):  # fmt: skip
        assert (output / page).is_file(), page
    manifest = json.loads((output / MANIFEST_NAME).read_text())
    assert manifest["files"]["cases/nwa-2025-001/index.html"]["cases"] == ["NWA-2025-001"]
    on_disk = {
        str(p.relative_to(output))
        for p in output.rglob("*")
        if p.is_file() and p.name != MANIFEST_NAME
    }
    assert on_disk == set(manifest["files"])


def test_every_html_page_has_one_h1_and_unique_title(
    sample_site: tuple[Path, RegistrySettings],
) -> None:
    output, _ = sample_site
    titles: dict[str, Path] = {}
    for page in output.rglob("*.html"):
        body = page.read_text()
        assert body.count("<h1") == 1, page
        title = re.search(r"<title>(.*?)</title>", body, re.S)
        assert title, page
        assert title.group(1) not in titles, (page, titles.get(title.group(1)))
        titles[title.group(1)] = page


def test_rebuild_writes_nothing(sample_site: tuple[Path, RegistrySettings]) -> None:
    output, settings = sample_site
    result = build_site(settings, output, REPO / "theme")
    assert result.written == [] and result.deleted == []


def test_stale_files_are_removed(tmp_path: Path) -> None:
    content = tmp_path / "debts"
    shutil.copytree(REPO / "content" / "debts", content)
    settings = RegistrySettings(
        content_dir=content, pages_dir=REPO / "content" / "pages", as_of=AS_OF
    )
    output = tmp_path / "output"
    build_site(settings, output, REPO / "theme")
    (content / "SCR-2026-022.yaml").unlink()
    result = build_site(settings, output, REPO / "theme")
    assert "cases/scr-2026-022/index.html" in result.deleted
    assert not (output / "cases" / "scr-2026-022").exists()
    assert "SCR-2026-022" not in all_text(output)


def test_pelican_build_via_plugin(tmp_path: Path) -> None:
    """`make html` runs pelican with our plugin; the result equals `overdue build`."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copytree(REPO / "theme", tmp_path / "theme")
    conf = (REPO / "pelicanconf.py").read_text() + '\nOVERDUE["as_of"] = "2026-12-03"\n'
    (tmp_path / "pelicanconf.py").write_text(conf)
    subprocess.run(
        [sys.executable, "-m", "pelican", "content", "-o", "output", "-s", "pelicanconf.py", "--fatal", "warnings"],
        cwd=tmp_path, check=True, capture_output=True,
    )  # fmt: skip
    assert (tmp_path / "output" / "cases" / "nwa-2025-001" / "index.html").is_file()
    assert not (tmp_path / "output" / "cases" / "kse-2026-025").exists()


@pytest.mark.parametrize("public_cases", [0, 1])
def test_build_with_few_or_no_public_cases(tmp_path: Path, public_cases: int) -> None:
    """An empty registry (everything paid or taken down) still builds every page."""
    content = tmp_path / "debts"
    content.mkdir()
    for name in ("KSE-2026-025", "OPH-2026-011", "NWA-2025-001")[: 2 + public_cases]:
        shutil.copy(REPO / "content" / "debts" / f"{name}.yaml", content)
    settings = RegistrySettings(
        content_dir=content, pages_dir=REPO / "content" / "pages", as_of=AS_OF
    )
    result = build_site(settings, tmp_path / "output", REPO / "theme")
    assert len(result.public_cases) == public_cases
    assert (tmp_path / "output" / "index.html").is_file()
    assert (tmp_path / "output" / "data" / "index.html").is_file()


@pytest.mark.parametrize("fatal", [True, False], ids=["fatal-warnings", "plain"])
def test_pelican_refusal_names_every_problem_without_a_traceback(
    tmp_path: Path, fatal: bool
) -> None:
    """Pelican run directly (not through `make html`, which checks first) on a registry
    with two bad files: every problem at its file and line, exit 1, no traceback. With
    --fatal warnings, logging the first problem used to stop Pelican there, hiding the
    second behind a RuntimeError traceback."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copytree(REPO / "theme", tmp_path / "theme")
    debts = tmp_path / "content" / "debts"
    shutil.copy(REPO / "tests" / "fixtures" / "broken" / "MULTI-1.yaml", debts)
    shutil.copy(REPO / "tests" / "fixtures" / "refused" / "EUD-2026-001.yaml", debts)
    conf = (REPO / "pelicanconf.py").read_text() + '\nOVERDUE["as_of"] = "2026-12-03"\n'
    (tmp_path / "pelicanconf.py").write_text(conf)
    command = [sys.executable, "-m", "pelican", "content", "-o", "output", "-s", "pelicanconf.py"]
    done = subprocess.run(
        [*command, *(["--fatal", "warnings"] if fatal else [])],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "MULTI-1.yaml:15:" in said and "EUD-2026-001.yaml:7:" in said, said
    assert "Traceback" not in said and "RuntimeError" not in said, said


def test_pelican_with_a_file_where_the_cache_belongs_says_so_in_one_line(tmp_path: Path) -> None:
    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copytree(REPO / "theme", tmp_path / "theme")
    (tmp_path / "pelicanconf.py").write_text(
        (REPO / "pelicanconf.py").read_text() + '\nOVERDUE_CACHE_DIR = "in-the-way"\n'
    )
    (tmp_path / "in-the-way").write_text("a file, not a folder")
    command = [sys.executable, "-m", "pelican", "content", "-o", "output", "-s", "pelicanconf.py"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "in-the-way as the build cache" in said, said
    assert "Traceback" not in said, said
