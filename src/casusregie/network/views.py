"""The network diagnosis page of a house: counts and the verdict, no personal data."""

from __future__ import annotations

import math

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from casusregie.accounts.roles import Role
from casusregie.privacy import policy

from . import engine, house_data
from .forms import PeriodForm

ROLES = (Role.HOUSE_MANAGER, Role.PROCESS_DIRECTOR)


def _layout(nodes: list[str], edges: list[tuple[str, str, int]]) -> dict[str, object]:
    """A circle layout in a 400×400 viewBox."""
    points = {}
    for i, name in enumerate(nodes):
        angle = 2 * math.pi * i / max(len(nodes), 1) - math.pi / 2
        points[name] = (
            round(200 + 150 * math.cos(angle), 1),
            round(200 + 150 * math.sin(angle), 1),
        )
    top = max((w for _a, _b, w in edges), default=1)
    return {
        "nodes": [{"name": n, "x": points[n][0], "y": points[n][1]} for n in nodes],
        "edges": [
            {
                "x1": points[a][0],
                "y1": points[a][1],
                "x2": points[b][0],
                "y2": points[b][1],
                "width": round(1 + 5 * w / top, 1),
            }
            for a, b, w in edges
        ],
    }


@login_required
def diagnosis(request: HttpRequest, slug: str) -> HttpResponse:
    house = policy.access_house(request.user, slug, roles=ROLES)
    form = PeriodForm(request.GET or None)
    context: dict[str, object] = {
        "house": house,
        "form": form,
        "can_learn": policy.has_role(request.user, house, Role.HOUSE_MANAGER),
    }
    if request.GET and not form.is_valid():
        return render(request, "network/diagnosis.html", context, status=400)
    data = form.cleaned_data if request.GET else PeriodForm({}).clean_period()
    found = house_data.collect(house, data["van"], data["tot"])
    context["period"] = data
    if found is not None:
        verdict = engine.diagnose(engine.parse_answers(found.answers))
        language = translation.get_language() or "nl"
        context.update(
            found=found,
            verdict=verdict,
            reasons=verdict.reasons_en if language.startswith("en") else verdict.reasons_nl,
            form_in_use=engine.FORM_NAMES[verdict.form_in_use],
            favoured=[engine.FORM_NAMES[f] for f in verdict.favoured],
            drawing=_layout(found.graph["nodes"], found.graph["edges"]),
        )
    return render(request, "network/diagnosis.html", context)
