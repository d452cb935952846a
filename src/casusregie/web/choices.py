"""Choice lists of model fields read with one plain query (decision 0031).

Django's `ModelChoiceIterator` reads the queryset with `.iterator()`, which on PostgreSQL opens a
server-side cursor: in autocommit mode that is `DECLARE ... WITH HOLD`, a fetch and a close, and
the held cursor materialises its rows at commit. For the short lists a form offers (a house's
directors, its partner organisations) that costs several milliseconds per select on every page
that shows one; the case list's filter form spent about 18 of its ~100 ms there. Choice lists
are short by nature (a select with thousands of options is unusable), so reading them into
memory with one query is the right trade. Large exports and the log verification keep their
server-side cursors: only choice fields change.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:  # one query; later passes use the queryset's cache
            yield self.choice(obj)


def install() -> None:
    """Every model choice field of the project reads its choices with one plain query."""
    forms.ModelChoiceField.iterator = ListedChoiceIterator
