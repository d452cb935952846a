from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casusregie.web.forms import DateInput

REOPEN_EXECUTION = "reopen_execution"
REOPEN_PREPARATION = "reopen_preparation"
NO_ACTION = "no_action"


class ExtendForm(forms.Form):
    until = forms.DateField(label=_("New end of the watch period"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason for extending"),
        max_length=1000,
        help_text=_("At least 10 characters. Kept in the audit trail with the change."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RelapseDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (REOPEN_EXECUTION, _("Re-open the case in execution")),
            (REOPEN_PREPARATION, _("Re-open the case in preparation (a new case meeting)")),
            (NO_ACTION, _("No action: the case stays as it is")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        help_text=_("At least 10 characters. Kept in the audit trail with the decision."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
