"""The network diagnosis of Provan & Kenis (2007) as pure functions: no database, no request.

Input is the operationalised answers (see docs/network.md for the JSON fields):

- the governance form in use, from two indicators: is there a separate administrative entity,
  and does that entity (or the leading member) also take cases and responsibility itself;
- the four contingencies (trust, number of participants, goal consensus, need for
  network-level competencies), each as a level ``low``/``moderate``/``high`` with the numbers
  behind it.

Output is the form in use, the form(s) the contingencies favour according to the table of
Provan & Kenis (2007: 237), whether they fit, and the reasons as sentences in Dutch and English.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

LEVELS = ("low", "moderate", "high")
FORMS = ("shared", "lead", "nao")
CONTINGENCIES = ("trust", "participants", "goal_consensus", "competencies")

FORM_NAMES = {
    "shared": gettext_lazy("shared governance (participant-governed)"),
    "lead": gettext_lazy("lead organisation"),
    "nao": gettext_lazy("network administrative organisation (NAO)"),
}
CONTINGENCY_NAMES = {
    "trust": gettext_lazy("trust"),
    "participants": gettext_lazy("number of participants"),
    "goal_consensus": gettext_lazy("goal consensus"),
    "competencies": gettext_lazy("need for network-level competencies"),
}
EVIDENCE_NAMES = {
    "actions_due": gettext_lazy("actions due"),
    "feedback_on_time_percent": gettext_lazy("% with feedback on time"),
    "survey_trust_score": gettext_lazy("survey score for trust (0-100)"),
    "survey_goal_consensus_score": gettext_lazy("survey score for goal consensus (0-100)"),
    "organisations": gettext_lazy("organisations"),
    "people": gettext_lazy("people"),
    "people_per_organisation": gettext_lazy("people per organisation"),
    "people_per_case_table": gettext_lazy("people per case table"),
    "organisations_per_case": gettext_lazy("organisations per case"),
    "life_domains_per_case": gettext_lazy("life domains per case"),
}
LEVEL_NAMES = {
    "low": gettext_lazy("low"),
    "moderate": gettext_lazy("moderate"),
    "high": gettext_lazy("high"),
}

# Provan & Kenis (2007: 237), figure 4 of the thesis. Each form lists the levels of each
# contingency that suit it. "Moderately low" goal consensus suits a lead organisation at low and
# moderate; "moderate to many" participants and "moderately high" consensus suit an NAO at
# moderate and high.
FIT_TABLE: dict[str, dict[str, frozenset[str]]] = {
    "shared": {
        "trust": frozenset({"high"}),
        "participants": frozenset({"low"}),
        "goal_consensus": frozenset({"high"}),
        "competencies": frozenset({"low"}),
    },
    "lead": {
        "trust": frozenset({"low"}),
        "participants": frozenset({"moderate"}),
        "goal_consensus": frozenset({"low", "moderate"}),
        "competencies": frozenset({"moderate"}),
    },
    "nao": {
        "trust": frozenset({"moderate"}),
        "participants": frozenset({"moderate", "high"}),
        "goal_consensus": frozenset({"moderate", "high"}),
        "competencies": frozenset({"high"}),
    },
}


class AnswersError(ValueError):
    """The answers cannot be diagnosed; ``errors`` maps a JSON path to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass(frozen=True)
class Contingency:
    level: str | None  # None: not measured; suits no form
    evidence: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Answers:
    administrative_entity: bool
    entity_takes_cases: bool
    contingencies: dict[str, Contingency]


@dataclass(frozen=True)
class Verdict:
    form_in_use: str
    favoured: tuple[str, ...]
    scores: dict[str, int]
    fits: bool
    reasons_nl: tuple[str, ...]
    reasons_en: tuple[str, ...]
    mixed: bool = False  # a lead organisation that is also a separate supporting entity

    def as_json(self) -> dict[str, Any]:
        return {
            "form_in_use": self.form_in_use,
            "favoured": list(self.favoured),
            "scores": dict(self.scores),
            "fits": self.fits,
            "mixed": self.mixed,
            "reasons": {"nl": list(self.reasons_nl), "en": list(self.reasons_en)},
        }


def _bool(value: Any, path: str, errors: dict[str, str]) -> bool:
    if isinstance(value, bool):
        return value
    errors[path] = "must be true or false" if value is not None else "is required"
    return False


def parse_answers(data: Any) -> Answers:
    """Check the answers; raise ``AnswersError`` listing every problem."""
    errors: dict[str, str] = {}
    if not isinstance(data, Mapping):
        raise AnswersError({"$": "must be a JSON object"})
    form = data.get("form")
    if not isinstance(form, Mapping):
        errors["form"] = "is required: an object with administrative_entity and entity_takes_cases"
        form = {}
    entity = _bool(form.get("administrative_entity"), "form.administrative_entity", errors)
    takes = _bool(form.get("entity_takes_cases"), "form.entity_takes_cases", errors)
    raw = data.get("contingencies")
    if not isinstance(raw, Mapping):
        errors["contingencies"] = "is required: an object with " + ", ".join(CONTINGENCIES)
        raw = {}
    contingencies: dict[str, Contingency] = {}
    for name in CONTINGENCIES:
        path = f"contingencies.{name}"
        item = raw.get(name) if raw else None
        if item is None:
            if raw:
                errors[path] = "is required"
            continue
        if isinstance(item, str):
            item = {"level": item}
        if not isinstance(item, Mapping):
            errors[path] = "must be an object with a level"
            continue
        level = item.get("level")
        if level is not None and level not in LEVELS:
            errors[f"{path}.level"] = f"must be one of {', '.join(LEVELS)}, not {level!r}"
            continue
        evidence_raw = item.get("evidence", {})
        evidence: dict[str, float] = {}
        if not isinstance(evidence_raw, Mapping):
            errors[f"{path}.evidence"] = "must be an object of numbers"
        else:
            for key, number in evidence_raw.items():
                ok = isinstance(number, int | float) and not isinstance(number, bool)
                if not ok or not math.isfinite(number) or number < 0:
                    errors[f"{path}.evidence.{key}"] = "must be a finite number of at least 0"
                else:
                    evidence[str(key)] = number
        contingencies[name] = Contingency(level=level, evidence=evidence)
    unknown = set(raw) - set(CONTINGENCIES) if raw else set()
    for name in sorted(unknown):
        errors[f"contingencies.{name}"] = "is not a contingency of Provan & Kenis"
    if errors:
        raise AnswersError(errors)
    return Answers(entity, takes, contingencies)


def form_in_use(administrative_entity: bool, entity_takes_cases: bool) -> str:
    """No entity: shared. An entity that only supports: NAO. One that also takes cases: lead."""
    if entity_takes_cases:
        return "lead"
    return "nao" if administrative_entity else "shared"


def is_mixed(administrative_entity: bool, entity_takes_cases: bool) -> bool:
    """A separate entity that supports the network *and* takes cases itself leans to a lead
    organisation while keeping the traits of an NAO (Midden-Brabant in the thesis, §6.2.1)."""
    return administrative_entity and entity_takes_cases


def fits(in_use: str, favoured: tuple[str, ...], mixed: bool) -> bool:
    """The form in use is favoured; a mixed form also fits where the NAO is favoured."""
    return in_use in favoured or (mixed and "nao" in favoured)


def scores(levels: Mapping[str, str | None]) -> dict[str, int]:
    """How many of the four contingencies suit each form."""
    return {
        form: sum(1 for c in CONTINGENCIES if levels[c] in FIT_TABLE[form][c]) for form in FORMS
    }


def favoured_forms(levels: Mapping[str, str | None]) -> tuple[str, ...]:
    """The form(s) with the most suiting contingencies, in the order shared, lead, NAO."""
    result = scores(levels)
    best = max(result.values())
    return tuple(form for form in FORMS if result[form] == best)


def _reasons(answers: Answers, in_use: str, favoured: tuple[str, ...], fit: bool) -> list[str]:
    lines = []
    mixed = is_mixed(answers.administrative_entity, answers.entity_takes_cases)
    if mixed:
        lines.append(
            _(
                "A separate administrative entity supports the network and also takes cases "
                "and responsibility itself, so the form in use leans to %(form)s, with the "
                "traits of an NAO."
            )
        )
    elif in_use == "shared":
        lines.append(
            _("There is no separate administrative entity, so the form in use is %(form)s.")
        )
    elif in_use == "nao":
        lines.append(
            _(
                "A separate administrative entity supports the network without taking cases "
                "itself, so the form in use is %(form)s."
            )
        )
    else:
        lines.append(
            _(
                "The administrative entity also takes cases and responsibility itself, so the "
                "form in use is %(form)s."
            )
        )
    lines[0] = lines[0] % {"form": FORM_NAMES[in_use]}
    for name in CONTINGENCIES:
        item = answers.contingencies[name]
        suits = [str(FORM_NAMES[f]) for f in FORMS if item.level in FIT_TABLE[f][name]]
        numbers = ", ".join(
            f"{EVIDENCE_NAMES.get(k, k)} {_number(v)}" for k, v in item.evidence.items()
        )
        if item.level is None:
            lines.append(
                _("%(contingency)s is not measured; it counts for no form.")
                % {"contingency": str(CONTINGENCY_NAMES[name]).capitalize()}
            )
            continue
        sentence = _("%(contingency)s is %(level)s; that suits %(forms)s.") % {
            "contingency": str(CONTINGENCY_NAMES[name]).capitalize(),
            "level": LEVEL_NAMES[item.level],
            "forms": _(" or ").join(suits) if suits else _("no form"),
        }
        if numbers:
            sentence += " " + _("(Numbers: %(numbers)s.)") % {"numbers": numbers}
        lines.append(sentence)
    participants = answers.contingencies["participants"].level
    if in_use != "shared" and "shared" not in favoured and participants in ("moderate", "high"):
        # The thesis's main argument (§7.1.1): the size of the network rules out shared
        # governance; the network needs the entity that coordinates it.
        lines.append(
            _(
                "With this many participants a shared form does not suit: the network needs "
                "the entity that coordinates and supports it."
            )
        )
    names = _(" and ").join(str(FORM_NAMES[f]) for f in favoured)
    if fit and in_use not in favoured:
        lines.append(
            _(
                "The contingencies favour %(forms)s. The house leans to a lead organisation "
                "but also supports the network as an NAO does, so the form in use fits; keep "
                "taking cases itself the exception."
            )
            % {"forms": names}
        )
    elif fit and len(favoured) == 1:
        lines.append(
            _("The contingencies favour %(forms)s: the form in use fits.") % {"forms": names}
        )
    elif fit:
        lines.append(
            _(
                "The contingencies favour %(forms)s equally; the form in use is one of them "
                "and fits."
            )
            % {"forms": names}
        )
    else:
        lines.append(
            _(
                "The contingencies favour %(forms)s, not the form in use: discuss with the "
                "partners whether the form still suits the network."
            )
            % {"forms": names}
        )
    return lines


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return formats.number_format(round(value, 2), decimal_pos=None)


def diagnose(answers: Answers) -> Verdict:
    """The verdict for checked answers."""
    levels = {name: c.level for name, c in answers.contingencies.items()}
    in_use = form_in_use(answers.administrative_entity, answers.entity_takes_cases)
    favoured = favoured_forms(levels)
    mixed = is_mixed(answers.administrative_entity, answers.entity_takes_cases)
    fit = fits(in_use, favoured, mixed)
    reasons = {}
    for language in ("nl", "en"):
        with translation.override(language):
            reasons[language] = tuple(_reasons(answers, in_use, favoured, fit))
    return Verdict(in_use, favoured, scores(levels), fit, reasons["nl"], reasons["en"], mixed)


def diagnose_json(data: Any) -> dict[str, Any]:
    """Check raw JSON-like answers and return the verdict as JSON; raises ``AnswersError``."""
    return diagnose(parse_answers(data)).as_json()
