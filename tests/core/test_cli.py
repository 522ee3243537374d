"""The `overdue` command line: exit codes, formats, and output scripts rely on."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.records import load_case, record_json_schema

from ..conftest import REPO

FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repository's content and settings, with the working directory in it."""
    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copy(REPO / "pelicanconf.py", tmp_path / "pelicanconf.py")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_samples_passes(project: Path) -> None:
    code, out, err = run("check", "--date", "2026-12-03")
    assert code == 0, out + err
    assert out == ""
    assert "case(s) valid" in err


def test_check_reports_every_problem_with_location(project: Path) -> None:
    code, out, _ = run("check", str(FIXTURES / "broken"), str(FIXTURES / "refused"))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 13
    assert all(line.split(":")[1].isdigit() and line.split(":")[2].isdigit() for line in lines)
    assert any("MULTI-1.yaml:15:" in line and "quote this value" in line for line in lines)
    assert any("EUD-2026-001.yaml:7:" in line and "jurisdiction" in line for line in lines)
    assert any("SPD-2026-002.yaml:6:" in line and "natural person" in line for line in lines)


def test_check_github_format(project: Path) -> None:
    code, out, _ = run("check", "--format", "github", str(FIXTURES / "refused"))
    assert code == 1
    first = out.splitlines()[0]
    assert (
        first.startswith("::error file=")
        and ",line=" in first
        and ",col=" in first
        and "::" in first[7:]
    )


def test_one_bad_file_does_not_hide_another(project: Path) -> None:
    shutil.copy(
        FIXTURES / "broken" / "MULTI-1.yaml", project / "content" / "debts" / "MULTI-1.yaml"
    )
    shutil.copy(FIXTURES / "refused" / "EUD-2026-001.yaml", project / "content" / "debts")
    code, out, _ = run("check", "--date", "2026-12-03")
    assert code == 1
    assert "MULTI-1.yaml" in out and "EUD-2026-001.yaml" in out


def test_explain_json_contract(project: Path) -> None:
    code, out, _ = run("explain", "NWA-2025-001", "--format", "json", "--date", "2026-12-03")
    assert code == 0
    report = json.loads(out)
    assert {"case", "state", "balance", "public", "rules"} <= set(report)
    assert (
        report["case"] == "NWA-2025-001"
        and report["state"] == "listed"
        and report["public"] is True
    )
    assert report["balance"] == "8000.00"
    assert all({"rule", "verdict", "reason"} <= set(rule) for rule in report["rules"])
    assert {"jurisdiction", "business_debtor", "due_notice", "expiry"} <= {
        r["rule"] for r in report["rules"]
    }


def test_explain_text_for_a_private_case(project: Path) -> None:
    code, out, _ = run("explain", "KSE-2026-025", "--date", "2026-12-03")
    assert code == 0
    assert "disputed" in out and "public: no" in out and "FAIL" in out


def test_explain_unknown_case(project: Path) -> None:
    code, _, err = run("explain", "NOPE-1")
    assert code == 1 and "no case 'NOPE-1'" in err


def test_schema_is_generated_from_the_models_and_committed() -> None:
    code, out, _ = run("schema")
    assert code == 0
    assert json.loads(out) == record_json_schema()
    committed = json.loads((REPO / "schema" / "case.schema.json").read_text())
    assert committed == record_json_schema(), (
        "run: .venv/bin/overdue schema > schema/case.schema.json"
    )


def test_sample_files_carry_the_schema_comment() -> None:
    for path in sorted((REPO / "content" / "debts").glob("*.yaml")):
        assert path.read_text().startswith(
            "# yaml-language-server: $schema=../../schema/case.schema.json"
        ), path


def test_design_example_validates_as_written() -> None:
    """The example in DESIGN.md is the contract: it loads exactly as written (a verbatim
    copy lives in tests/fixtures/design/, and is compared with DESIGN.md when it is beside
    the checkout)."""
    fixture = REPO / "tests" / "fixtures" / "design" / "NWA-2025-001.yaml"
    design = REPO.parent / "shared" / "DESIGN.md"
    if design.exists():
        example = design.read_text().split("```yaml\n", 1)[1].split("```", 1)[0]
        assert fixture.read_text() == example
    case, _ = load_case(fixture)
    assert case.debtor.name == "Northwind Analytics, Inc." and case.claim.invoices[
        0
    ].amount == Decimal("8000.00")


def test_readme_tables_are_generated_from_the_models() -> None:
    from pipeline.docs import render_readme

    readme = (REPO / "README.md").read_text()
    assert render_readme(readme) == readme, "run: make docs"
    for name in ("record-fields", "event-kinds", "settings"):
        assert f"<!-- {name}:start -->" in readme


def test_every_model_field_is_documented() -> None:
    from pipeline.docs import RECORD_SECTIONS
    from pipeline.settings import RegistrySettings

    missing = [
        f"{prefix}{name}" for prefix, model in RECORD_SECTIONS
        for name, field in model.model_fields.items() if not field.description
    ]  # fmt: skip
    missing += [
        name for name, field in RegistrySettings.model_fields.items() if not field.description
    ]
    assert missing == []


def test_explain_accepts_the_url_form_of_an_id(project: Path) -> None:
    code, out, _ = run("explain", "nwa-2025-001", "--date", "2026-12-03")
    assert code == 0 and out.startswith("NWA-2025-001")


@pytest.mark.parametrize("country", ["DE", "de", "EL", "NO"])
def test_a_schema_error_never_hides_a_blocked_party(project: Path, country: str) -> None:
    """Regression (clean-clone QA): `country: DE` went unreported while another field was bad."""
    path = project / "content" / "debts" / "PCL-2026-014.yaml"
    text = path.read_text().replace('number: "PCL-INV-3391"', "number: 0123")
    path.write_text(text.replace("  country: US\n  region: US-CA", f"  country: {country}", 1))
    code, out, _ = run("check", str(path))
    assert code == 1
    assert ":7:12: jurisdiction: debtor" in out and "never listed" in out
    assert 'quote this value: "0123"' in out


def test_check_refuses_two_companies_on_one_company_url(project: Path) -> None:
    """The build stops on a company-URL collision; `check` (which `make html` runs first)
    must say so too, naming both files, instead of passing the registry."""
    debts = project / "content" / "debts"
    source = next(p for p in sorted(debts.glob("*.yaml")) if "kind: listed" in p.read_text())
    text = source.read_text()
    case_id = load_case(source)[0].case
    name = load_case(source)[0].debtor.name
    twin = text.replace(case_id, f"{case_id}9", 1).replace(name, f"{name}.", 1)
    assert twin != text
    (debts / f"{case_id}9.yaml").write_text(twin)
    code, out, err = run("check", "--date", "2026-12-03")
    assert code == 1, out + err
    assert "gets the company URL" in out and source.name in out and f"{case_id}9.yaml" in out


def test_check_keeps_its_verdicts_in_the_build_cache_unless_told_not_to(project: Path) -> None:
    first = run("check", "--date", "2026-12-03")
    assert first[0] == 0 and (project / ".overdue-cache" / "build.sqlite").is_file()
    assert run("check", "--date", "2026-12-03") == first  # from the cache, word for word
    shutil.rmtree(project / ".overdue-cache")
    assert run("check", "--no-cache", "--date", "2026-12-03") == first
    assert not (project / ".overdue-cache").exists()
    assert run("check", "--cache-dir", "elsewhere", "--date", "2026-12-03") == first
    assert (project / "elsewhere" / "build.sqlite").is_file()
