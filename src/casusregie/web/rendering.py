"""Select boxes written in Python instead of through Django's widget templates (issue 10).

Django renders a `<select>` by including a template for every option, and that include costs
more than everything else on a list page's filter form: on the case list about a fifth of the
request (`bench/profile_page.py`). This renderer writes exactly the markup of Django's
`select.html`, `select_option.html` and `attrs.html` (same escaping, same whitespace: tested
against Django's own templates in `web/tests/test_rendering.py`) and leaves every other template
to Django. Widgets with their own templates are untouched.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> str:
    """attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {conditional_escape(name)}")
        if value is not True:
            parts.append(f'="{conditional_escape(value)}"')
    return "".join(parts)


def _select(widget: dict[str, Any]) -> str | None:
    """The markup of select.html for this widget context, or None when an option has another
    template (then Django renders it)."""
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None
            out.append(
                f'\n  <option value="{conditional_escape(option["value"])}"'
                f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
            )  # the option template's file ends with a newline, and Django keeps it
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class FormRenderer(DjangoTemplates):
    """Django's default form renderer, with select boxes written in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == SELECT:
            html = _select(context["widget"])
            if html is not None:
                return html
        return str(super().render(template_name, context, request))
