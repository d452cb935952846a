"""Saving an intake runs as a background task, like the imports (a big file takes longer than a
page request may); so does asking the other houses about a submitted referral's people."""

from __future__ import annotations

from django_tasks import task


@task()
def run_intake(intake_id: int) -> None:
    from .intake import run

    run(intake_id)


@task()
def ask_other_houses(referral_id: int, actor_id: int) -> None:
    from django.contrib.auth import get_user_model

    from casusregie.referrals.models import Referral

    from .hooks import ask_other_houses as ask

    referral = Referral.objects.select_related("house").get(pk=referral_id)
    ask(referral, actor=get_user_model().objects.get(pk=actor_id))
