from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casusregie.houses.domains import LifeDomain

from .models import GoalStatus


class FeedbackForm(forms.Form):
    what_was_done = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    result = forms.CharField(
        label=_("With what result"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept: the action is done")), ("more", _("Ask for more"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Required when you ask for more."),
    )


class GoalForm(forms.Form):
    domain = forms.ChoiceField(label=_("Life domain"), choices=LifeDomain.choices)
    text = forms.CharField(label=_("Goal"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)
