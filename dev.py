#!/usr/bin/env python3
"""One entry point for every chore, usable on a fresh clone with only Python and git.

    python3 dev.py demo      # migrate an SQLite database, load the synthetic houses, serve :8000
    python3 dev.py test      # run the whole test suite (pytest arguments may follow)
    python3 dev.py lint      # ruff, mypy and the migrations check
    python3 dev.py lock      # regenerate requirements/*.txt from requirements/*.in
                             # (--upgrade, or --upgrade-package NAME, to bump pins)
    python3 dev.py openapi   # regenerate docs/openapi.yaml after an API change (CI checks it)
    python3 dev.py audit     # unsafe pins: vulnerable, yanked, app pins behind a patch (CI)
    python3 dev.py audit --report   # every newer release of every pin, as a table
    python3 dev.py reliability load|soak|fault-db-restart|fault-db-readonly|fault-worker-killed
                             |fault-smtp-down [--users N --seconds S]
                             # load and fault runs on a private PostgreSQL (docs/reliability.md)
    python3 dev.py bench     # benchmarks on PostgreSQL through gunicorn (bench/README.md)
    python3 dev.py browser   # browser journeys in Chromium with axe-core (browser/)
    python3 dev.py screenshots   # run the journeys and refresh the README's screenshots
    python3 dev.py casusregie ARGS...   # any management command, e.g. `casusregie migrate`

Each command first makes sure `.venv/` exists and holds exactly the pinned dependencies of
requirements/app.txt and requirements/dev.txt (it reinstalls when those files change).
Only the standard library is used here, because nothing else is installed yet.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("CASUSREGIE_VENV", ROOT / ".venv"))
LOCKS = [ROOT / "requirements" / "app.txt", ROOT / "requirements" / "dev.txt"]
STAMP = VENV / ".casusregie-lock-hash"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


# The screenshots the README shows, by journey step (browser/screenshots/<name>.png).
README_SHOTS = [
    "test_meeting_journey-regisseur-02-acties",
    "test_meeting_journey-woning-02-verslag",
    "test_privacy_journey-privacy-02-inzageverzoek",
]


def say(message: str) -> None:
    print(f"[dev.py] {message}", flush=True)


def lock_hash() -> str:
    digest = hashlib.sha256()
    for path in [*LOCKS, ROOT / "pyproject.toml"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    wanted = lock_hash()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not (BIN / "python").exists():
        say(f"creating virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("installing pinned dependencies (first run downloads them; later runs skip this)")
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    reqs = [arg for lock in LOCKS for arg in ("-r", str(lock))]
    subprocess.run([*pip, "install", *reqs], check=True)
    subprocess.run([*pip, "install", "--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted + "\n")


def run(args: list[str], env: dict[str, str] | None = None) -> int:
    return subprocess.run(args, cwd=ROOT, env={**os.environ, **(env or {})}).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "lock":
        ensure_venv()
        for name in ("app", "dev"):
            code = run(
                [
                    str(BIN / "pip-compile"),
                    "-q",
                    "--strip-extras",
                    "--no-emit-index-url",
                    "--no-emit-find-links",
                    "-o",
                    f"requirements/{name}.txt",
                    *rest,
                    f"requirements/{name}.in",
                ]
            )
            if code:
                return code
        return 0
    ensure_venv()
    python = str(BIN / "python")
    if command == "demo":
        return run([str(BIN / "casusregie"), "demo", *rest], {"CASUSREGIE_ENV": "demo"})
    if command == "test":
        code = run([python, "-m", "pytest", *rest])
        if code == 5:
            say("pytest collected no tests: that is a failure")
            return 1
        return code
    if command == "lint":
        env = {"CASUSREGIE_ENV": "test", "DATABASE_URL": "sqlite://:memory:"}
        for step in (
            [python, "-m", "ruff", "check", "."],
            [python, "-m", "ruff", "format", "--check", "."],
            [python, "-m", "mypy", "src"],
            [str(BIN / "casusregie"), "makemigrations", "--check", "--dry-run"],
        ):
            say(" ".join(Path(step[0]).name if i == 0 else a for i, a in enumerate(step)))
            code = run(step, env)
            if code:
                return code
        return 0
    if command == "openapi":
        env = {"CASUSREGIE_ENV": "test", "DATABASE_URL": "sqlite://:memory:"}
        args = ["spectacular", "--lang", "en", "--file", "docs/openapi.yaml", "--validate"]
        return run([str(BIN / "casusregie"), *args], env)
    if command == "browser":
        chromium = os.environ.get("CASUSREGIE_CHROMIUM", "/usr/bin/chromium")
        if not Path(chromium).exists():
            say(f"no Chromium at {chromium}: install it (apt-get install chromium chromium-l10n)")
            return 1
        if not Path("/usr/lib/chromium/locales/nl.pak").exists():
            say("Chromium has no Dutch translation: apt-get install chromium-l10n (decision 0037)")
        if not (ROOT / "browser" / "node_modules" / "axe-core").exists():
            code = run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(ROOT / "browser")])
            if code:
                return code
        code = run([python, "-m", "pytest", "browser", "-p", "no:cacheprovider", *rest])
        return 1 if code == 5 else code
    if command == "screenshots":
        code = main(["browser", "-q"])
        if code:
            return code
        target = ROOT / "docs" / "screenshots"
        target.mkdir(exist_ok=True)
        for name in README_SHOTS:
            source = ROOT / "browser" / "screenshots" / f"{name}.png"
            (target / f"{name}.png").write_bytes(source.read_bytes())
            say(f"docs/screenshots/{name}.png")
        return 0
    if command == "reliability":
        return run([python, "reliability/run.py", *rest])
    if command == "audit":
        return run([python, "requirements/audit.py", *rest])
    if command == "bench":
        return run([python, "bench/suite.py", *rest])
    if command == "casusregie":
        return run([str(BIN / "casusregie"), *rest])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
