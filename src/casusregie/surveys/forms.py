from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casusregie.web.forms import DateInput

from .models import Agreement, Group, ItemKind, Survey
from .questionnaires import TEMPLATES


class SurveyForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Questionnaire"),
        choices=[(t.key, t.label) for t in TEMPLATES.values()],
        widget=forms.RadioSelect,
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the questionnaire's title."),
    )
    groups = forms.MultipleChoiceField(
        label=_("Respondent groups"),
        choices=Group.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave empty to use the questionnaire's groups."),
    )
    min_responses = forms.IntegerField(
        label=_("Minimum number of responses"),
        min_value=1,
        max_value=1000,
        initial=5,
        help_text=_("Results of a group stay hidden until it has this many responses."),
    )
    opens_on = forms.DateField(
        label=_("Opens on"),
        widget=DateInput(),
        initial=timezone.localdate,
    )
    closes_on = forms.DateField(label=_("Closes on"), widget=DateInput())


class ItemForm(forms.Form):
    section = forms.CharField(label=_("Section"), max_length=120, required=False)
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices, widget=forms.RadioSelect)
    key = forms.CharField(
        label=_("Key"),
        max_length=80,
        help_text=_(
            "A stable name for reports, e.g. clear_goal. Keys starting with trust_ or "
            "goal_consensus_ are read by the network diagnosis."
        ),
    )


class EditItemForm(forms.Form):
    section = forms.CharField(label=_("Section"), max_length=120, required=False)
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))


class AnswerForm(forms.Form):
    """The public answer page: one optional field per item, named by the item's key."""

    def __init__(self, survey: Survey, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections: list[tuple[str, list[str]]] = []
        for item in survey.items.all():
            field: forms.Field
            if item.kind == ItemKind.GRADE:
                field = forms.TypedChoiceField(
                    choices=[(str(i), str(i)) for i in range(11)],
                    coerce=int,
                    widget=forms.RadioSelect(attrs={"class": "app-inline"}),
                    required=False,
                    empty_value=None,
                )
            elif item.kind == ItemKind.AGREE:
                field = forms.ChoiceField(
                    choices=Agreement.choices, widget=forms.RadioSelect, required=False
                )
            else:
                field = forms.CharField(
                    widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
                )
            field.label = item.text
            self.fields[item.key] = field
            if not self.sections or self.sections[-1][0] != item.section:
                self.sections.append((item.section, []))
            self.sections[-1][1].append(item.key)

    def grouped(self) -> list[tuple[str, list[Any]]]:
        return [(title, [self[key] for key in keys]) for title, keys in self.sections]
