"""Uploads and bytes for a one-case change on a 1,000-case registry, from a fresh copy.

`overdue publish` (content hashes) side by side with `aws s3 sync` (mtime + size) and
`aws s3 sync --size-only`, each against its own bucket on a local SeaweedFS (SigV4 on).
"Fresh copy" = the registry rebuilt into a new output/ directory, as a CI checkout would.
No timing assertions: this prints numbers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.build import build_site  # noqa: E402
from pipeline.publishconfig import PublishSettings  # noqa: E402
from pipeline.publishrun import publish_site  # noqa: E402
from pipeline.settings import RegistrySettings  # noqa: E402
from tests.casefactory import AS_OF, case_dict, write_case  # noqa: E402
from tests.publish.servers import ACCESS_KEY, SECRET_KEY, SeaweedServer, s3_client  # noqa: E402

BUCKET = "bench"
CASES = int(os.environ.get("BENCH_CASES", "1000"))


def find_aws() -> str | None:
    local = REPO / ".venv" / "awscli" / "bin" / "aws"
    return str(local) if local.exists() else shutil.which("aws")


def write_registry(content: Path, changed: bool) -> None:
    for index in range(1, CASES + 1):
        amount = "5700.00" if changed and index == 500 else "5000.00"
        write_case(content, case_dict(**{
            "case": f"BEN-2026-{index:04d}", "debtor.name": f"Bench Debtor {index:04d}, Inc.",
            "debtor.website": f"https://bench{index:04d}.example",
            "claim.invoices.0.number": f"INV-{index:05d}", "claim.invoices.0.amount": amount,
        }))  # fmt: skip


def build(root: Path, changed: bool) -> tuple[RegistrySettings, Path]:
    content = root / "content" / "debts"
    (root / "content" / "pages").mkdir(parents=True, exist_ok=True)
    write_registry(content, changed)
    settings = RegistrySettings(content_dir=content, pages_dir=root / "content" / "pages",
                                as_of=AS_OF)  # fmt: skip
    output = root / "output"
    build_site(settings, output, REPO / "theme", AS_OF)
    return settings, output


def aws_sync(aws: str, output: Path, prefix: str, endpoint: str, *extra: str) -> tuple[int, int]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull}  # fmt: skip
    done = subprocess.run(
        [aws, "s3", "sync", str(output), f"s3://{BUCKET}/{prefix}/", "--endpoint-url", endpoint,
         "--exclude", ".overdue-manifest.json", "--no-progress", *extra],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    uploads = [line.split(" to s3://")[0].removeprefix("upload: ")
               for line in done.stdout.splitlines() if line.startswith("upload: ")]  # fmt: skip
    return len(uploads), sum(Path(u).stat().st_size for u in uploads)


def main() -> None:
    aws = find_aws()
    with tempfile.TemporaryDirectory(prefix="overdue-bench-") as tmp:
        root = Path(tmp)
        server = SeaweedServer(root / "seaweed")
        server.start()
        try:
            os.environ.update(AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                              AWS_REGION="us-east-1", AWS_ENDPOINT_URL_S3=server.endpoint)  # fmt: skip
            s3 = s3_client(server.endpoint)
            # one bucket (SeaweedFS makes a volume collection per bucket), one prefix per tool
            s3.create_bucket(Bucket=BUCKET)
            settings, output = build(root / "first", changed=False)
            files = len(list(output.rglob("*"))) - 1
            print(f"registry: {CASES} cases, {files} output files")
            target = PublishSettings(bucket=BUCKET, prefix="overdue", workers=8)
            publish_site(settings, target, output)
            if aws:
                aws_sync(aws, output, "sync", server.endpoint)
                aws_sync(aws, output, "size-only", server.endpoint, "--size-only")
            # the fresh clone: one amount edited (same size), everything rebuilt elsewhere
            settings, fresh = build(root / "fresh", changed=True)
            outcome = publish_site(settings, target, fresh)
            assert outcome.result is not None
            rows = [("overdue publish", outcome.result.uploaded, outcome.result.uploaded_bytes,
                     len(outcome.plan.invalidation_paths))]  # fmt: skip
            if aws:
                rows.append(("aws s3 sync", *aws_sync(aws, fresh, "sync", server.endpoint), 0))
                rows.append(("aws s3 sync --size-only",
                             *aws_sync(aws, fresh, "size-only", server.endpoint, "--size-only"), 0))  # fmt: skip
            print(f"\none-case change (same-size amount edit), fresh copy of {files} files:")
            print(f"{'tool':<26}{'uploads':>9}{'bytes':>14}{'CDN paths':>11}")
            for name, uploads, size, paths in rows:
                print(f"{name:<26}{uploads:>9}{size:>14}{paths:>11}")
            if not aws:
                print("aws s3 sync: awscli is not available (make bench-publish installs it "
                      "into .venv/awscli); no comparison row")  # fmt: skip
            else:
                print(
                    "(aws s3 sync never invalidates CloudFront; --size-only misses same-size edits)"
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
