"""Select boxes written in Python give the very markup Django's widget templates give: same
options, selection, groups, attributes and escaping, so screen readers and browsers see no
difference (issue 10, web/rendering.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from casusregie.houses.models import Organisation
from casusregie.web.rendering import FormRenderer

CHOICES: list[Any] = [
    ("", "---------"),
    ("a", "Politie & Justitie"),
    ("b", '<script>alert("x")</script>'),
    ("Zorg", [("c", "GGZ"), ("d", gettext_lazy("Process director"))]),
    (5, mark_safe("<b>veilig</b>")),  # a label marked safe stays as it is
]


class Filters(forms.Form):
    one = forms.ChoiceField(choices=CHOICES, required=False)
    many = forms.MultipleChoiceField(choices=CHOICES, required=False)
    marked = forms.ChoiceField(
        choices=CHOICES,
        widget=forms.Select(
            attrs={"aria-describedby": 'hint "quoted"', "disabled": True, "data-x": False}
        ),
    )
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.order_by("name"))
    radio = forms.ChoiceField(choices=CHOICES[1:3], widget=forms.RadioSelect)


def render_all(renderer: Any, data: dict[str, Any] | None) -> list[str]:
    form = Filters(data, renderer=renderer)
    form.is_valid()
    return [str(field) for field in form]


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"one": "b", "many": ["a", "d"], "marked": "5", "organisation": "1"},
        {"one": "nope", "many": ["zz"], "marked": "c"},
    ],
)
def test_python_selects_equal_django_templates(db: None, data: dict[str, Any] | None) -> None:
    Organisation.objects.create(name="Politie <Heuvelland>", kind="police")
    Organisation.objects.create(name='GGZ "Noord" & Zuid', kind="mental_health")
    ours = render_all(FormRenderer(), data)
    django = render_all(DjangoTemplates(), data)
    assert ours == django
    joined = "".join(ours)
    assert "&lt;script&gt;" in joined
    assert "<script>" not in joined
    assert "<b>veilig</b>" in joined
    assert 'aria-describedby="hint &quot;quoted&quot;"' in joined
    assert " disabled" in joined
    assert "data-x" not in joined


def test_the_project_uses_the_python_selects(settings: Any) -> None:
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
