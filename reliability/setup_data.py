"""Fill a fresh database for the load and fault runs: the test cast, 20 cases that
organisation A takes part in, and an API client of A. Prints JSON for reliability/run.py.
Run with DATABASE_URL pointing at the private cluster (run.py does)."""

from __future__ import annotations

import datetime
import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casusregie.conf.settings")
django.setup()

from casusregie.cases import actions as case_actions
from casusregie.cases.models import SubjectKind
from casusregie.conftest import build_cast
from casusregie.integrations.actions import do_create_api_client
from casusregie.integrations.scopes import SCOPES

cast = build_cast()
cases = []
for number in range(20):
    subject = case_actions.create_subject(
        cast.house,
        case_actions.SubjectData(
            first_name="Belasting",
            last_name=f"Proef{number}",
            date_of_birth=datetime.date(1970, 1, 1) + datetime.timedelta(days=number * 97),
        ),
    )
    case = case_actions.create_case(
        cast.house,
        kind=SubjectKind.PERSON,
        title=f"Belastingproef {number}",
        urgency="normal",
        subjects=[(subject, True, "", False)],
        actor=cast.process_director,
        process_director=cast.process_director,
        participants=[(cast.org_a, "Deelnemer", ""), (cast.org_b, "Deelnemer", "")],
    )
    cases.append(case.pk)
_client, token = do_create_api_client(
    cast.house, name="Belasting", organisation=cast.org_a, scopes=list(SCOPES), actor=cast.admin
)
print(
    json.dumps({"slug": cast.house.slug, "token": token.text, "cases": cases, "org": cast.org_a.pk})
)
