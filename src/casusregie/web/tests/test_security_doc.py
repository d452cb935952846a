"""docs/security.md maps every OWASP ASVS 4.0.3 Level 2 requirement: each has exactly one row
with a status (Met, N/A or Open) and a reason or evidence, and the summary counts agree.

`LEVEL_2` lists the Level 2 requirements of chapters V1–V14 as the standard's CSV export has
them (deleted requirements left out): section, then the last number of each requirement.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

DOC = Path(__file__).resolve().parents[4] / "docs" / "security.md"

LEVEL_2 = """
    1.1: 1 2 3 4 5 6 7
    1.2: 1 2 3 4
    1.4: 1 4 5
    1.5: 1 2 3 4
    1.6: 1 2 3 4
    1.7: 1 2
    1.8: 1 2
    1.9: 1 2
    1.10: 1
    1.11: 1 2
    1.12: 2
    1.14: 1 2 3 4 5 6
    2.1: 1 2 3 4 5 6 7 8 9 10 11 12
    2.2: 1 2 3
    2.3: 1 2 3
    2.4: 1 2 3 4 5 6
    2.5: 1 2 3 4 5 6 7
    2.6: 1 2 3
    2.7: 1 2 3 4 5 6
    2.8: 1 2 3 4 5 6 7
    2.9: 1 2 3
    2.10: 1 2 3 4
    3.1: 1
    3.2: 1 2 3 4
    3.3: 1 2 3 4
    3.4: 1 2 3 4 5
    3.5: 1 2 3
    3.7: 1
    4.1: 1 2 3 5
    4.2: 1 2
    4.3: 1 2 3
    5.1: 1 2 3 4 5
    5.2: 1 2 3 4 5 6 7 8
    5.3: 1 2 3 4 5 6 7 8 9 10
    5.4: 1 2 3
    5.5: 1 2 3 4
    6.1: 1 2 3
    6.2: 1 2 3 4 5 6
    6.3: 1 2
    6.4: 1 2
    7.1: 1 2 3 4
    7.2: 1 2
    7.3: 1 3 4
    7.4: 1 2 3
    8.1: 1 2 3 4
    8.2: 1 2 3
    8.3: 1 2 3 4 5 6 7 8
    9.1: 1 2 3
    9.2: 1 2 3 4
    10.2: 1 2
    10.3: 1 2 3
    11.1: 1 2 3 4 5 6 7 8
    12.1: 1 2 3
    12.2: 1
    12.3: 1 2 3 4 5 6
    12.4: 1 2
    12.5: 1 2
    12.6: 1
    13.1: 1 3 4 5
    13.2: 1 2 3 5 6
    13.3: 1 2
    13.4: 1 2
    14.1: 1 2 3 4
    14.2: 1 2 3 4 5 6
    14.3: 2 3
    14.4: 1 2 3 4 5 6 7
    14.5: 1 2 3 4
"""


def level_2() -> list[str]:
    found = []
    for line in LEVEL_2.strip().splitlines():
        section, numbers = line.split(":")
        found.extend(f"{section.strip()}.{n}" for n in numbers.split())
    return found


def test_every_level_2_requirement_has_one_status_with_a_reason() -> None:
    text = DOC.read_text()
    rows = re.findall(r"^\| (\d+\.\d+\.\d+) \| [^|]+ \| ([^|]+) \| ([^|]*) \|$", text, re.M)
    statuses = {}
    for requirement, status, reason in rows:
        assert requirement not in statuses, f"{requirement} has two rows"
        assert status.strip() in {"Met", "N/A", "Open"}, f"{requirement}: status {status!r}"
        assert reason.strip(), f"{requirement} has no evidence, reason or action"
        statuses[requirement] = status.strip()
    wanted = level_2()
    assert len(wanted) == 260
    missing = [r for r in wanted if r not in statuses]
    assert not missing, f"ASVS Level 2 requirements without a status: {missing}"
    extra = sorted(set(statuses) - set(wanted))
    assert not extra, f"rows for requirements that are not Level 2 (or deleted): {extra}"
    count = Counter(statuses.values())
    summary = (
        f"{len(wanted)} requirements — {count['Met']} met, {count['N/A']} not applicable, "
        f"{count['Open']} open"
    )
    assert summary in text, f"the summary line should read: {summary}"
