from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casusregie.houses.models import Organisation

from . import events
from .actions import Backlog


class SubscriptionForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text=_("The organisation that receives the events."),
    )
    url = forms.CharField(
        label=_("Endpoint address"),
        max_length=500,
        help_text=_("An https:// address of your own system on the internet."),
        widget=forms.URLInput(attrs={"autocomplete": "url", "spellcheck": "false"}),
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=events.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event type.")},
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    contact_email = forms.EmailField(
        label=_("Technical contact e-mail"),
        required=False,
        help_text=_("Is told when the webhook is paused because deliveries keep failing."),
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["organisation"]
        else:
            field = self.fields["organisation"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = organisations


class ResumeForm(forms.Form):
    backlog = forms.ChoiceField(
        label=_("Events held while paused"),
        choices=[
            (Backlog.SEND, _("Send them now, oldest first")),
            (Backlog.DROP, _("Drop them")),
        ],
        widget=forms.RadioSelect,
        initial=Backlog.SEND,
    )
