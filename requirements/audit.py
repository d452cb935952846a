"""Audit the locked requirements for known vulnerabilities (`python3 dev.py audit`, in CI).

1. pip-audit (pinned in dev.txt) checks every pin of app.txt and dev.txt against the
   vulnerability data PyPI publishes per release (its `pypi` service). Any known vulnerability
   fails the audit.
2. pip-audit passes a package it could not check (it skips it, exit 0). Where PyPI's per-release
   JSON is not reachable (a mirror or proxy that only serves project pages, as on this project's
   build machines), every skipped package is checked through the project page
   `https://pypi.org/pypi/<name>/json` instead (decision 0029): the pin fails when a newer,
   unyanked patch release of the same major.minor line exists (security fixes ship as patch
   releases), when the pinned release is yanked, or when it is the newest release and PyPI
   lists a vulnerability for it.
3. A package that neither way could check fails the audit: an audit that checked nothing does
   not pass.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

HERE = Path(__file__).resolve().parent
LOCKS = [HERE / "app.txt", HERE / "dev.txt"]
PROJECT_JSON = "https://pypi.org/pypi/{name}/json"


def pins() -> dict[str, str]:
    found = {}
    for lock in LOCKS:
        for line in lock.read_text().splitlines():
            match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", line)
            if match:
                found[match.group(1).lower()] = match.group(2)
    return found


def pip_audit() -> tuple[list[str], set[str]]:
    """Known vulnerabilities found, and the packages pip-audit could not check."""
    args = [
        sys.executable,
        "-m",
        "pip_audit",
        "--no-deps",
        "--disable-pip",
        "--progress-spinner",
        "off",
        "--vulnerability-service",
        "pypi",
        "--format",
        "json",
    ]
    for lock in LOCKS:
        args += ["-r", str(lock)]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        print(done.stderr, file=sys.stderr)
        return [f"pip-audit gave no report (exit {done.returncode})"], set(pins())
    problems, skipped = [], set()
    for dependency in report.get("dependencies", []):
        name = dependency["name"].lower()
        if dependency.get("skip_reason"):
            skipped.add(name)
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            problems.append(f"{name} {dependency.get('version')}: {vuln['id']} (fixed in {fixed})")
    return problems, skipped


def project(name: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(PROJECT_JSON.format(name=name), timeout=30) as answer:  # noqa: S310
            return json.load(answer)
    except OSError:
        return None


def releases(data: dict[str, Any]) -> list[Version]:
    found = []
    for number, files in data.get("releases", {}).items():
        try:
            version = Version(number)
        except InvalidVersion:
            continue
        if not version.is_prerelease and files and not all(f.get("yanked") for f in files):
            found.append(version)
    return found


def by_project_page(name: str, pinned: str) -> str | None:
    """A problem with one pin, judged from its project page; None when it is fine."""
    data = project(name)
    if data is None:
        return f"{name} {pinned}: could not be checked at all (PyPI unreachable)"
    version = Version(pinned)
    files = data.get("releases", {}).get(pinned, [])
    if files and all(f.get("yanked") for f in files):
        reasons = {f.get("yanked_reason") or "" for f in files}
        return f"{name} {pinned}: yanked ({'; '.join(sorted(reasons)) or 'no reason given'})"
    newer = [v for v in releases(data) if v.release[:2] == version.release[:2] and v > version]
    if newer:
        return f"{name} {pinned}: patch release {max(newer)} exists (may hold security fixes)"
    if data.get("info", {}).get("version") == pinned:
        listed = [v for v in data.get("vulnerabilities") or [] if not v.get("withdrawn")]
        if listed:
            return f"{name} {pinned}: {', '.join(v['id'] for v in listed)}"
    return None


def main() -> int:
    pinned = pins()
    problems, skipped = pip_audit()
    checked = len(pinned) - len(skipped)
    print(f"pip-audit checked {checked} of {len(pinned)} pins against PyPI's vulnerability data")
    if skipped:
        print(f"{len(skipped)} not reachable that way: checking their project pages instead")
        with ThreadPoolExecutor(8) as pool:
            found = pool.map(lambda n: by_project_page(n, pinned[n]), sorted(skipped & set(pinned)))
        problems += [problem for problem in found if problem]
    for problem in problems:
        print(f"AUDIT: {problem}")
    if problems:
        print(
            f"{len(problems)} problem(s): update the pin(s) in requirements/*.in, then "
            "`python3 dev.py lock`"
        )
        return 1
    print(f"OK: {len(pinned)} pins audited, no known vulnerability")
    return 0


if __name__ == "__main__":
    sys.exit(main())
