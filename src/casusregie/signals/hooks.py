"""What the referral flow asks of early warning when a referral is submitted."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from casusregie.inbox.actions import notify
from casusregie.privacy.bsn import is_valid_bsn

from . import actions, exchange
from .pseudonym import identify


def referral_submitted(referral: Any, *, actor: Any) -> None:
    """Link open alerts about the referral's people to it; and, when the house takes part in
    the regional exchange, ask the other houses whether a person is already a case there and
    tell the deciders the answer (house and contact only)."""
    actions.link_referral(referral, actor=actor)
    if not exchange.taking_part(referral.house):
        return
    # The other houses answer over the network: ask them after the referral is saved, in the
    # background, so a slow or absent peer never holds up (or breaks) the submission.
    referral_pk, actor_pk = referral.pk, actor.pk
    transaction.on_commit(lambda: _enqueue(referral_pk, actor_pk))


def _enqueue(referral_pk: int, actor_pk: int) -> None:
    from .tasks import ask_other_houses

    ask_other_houses.enqueue(referral_pk, actor_pk)


def ask_other_houses(referral: Any, *, actor: Any) -> None:
    """Tell the deciders when a person of the referral is already a case in another opted-in
    house (house and contact only)."""
    from casusregie.referrals.access import deciders
    from casusregie.referrals.actions import referral_link

    for link in referral.subjects.select_related("subject"):
        bsn = link.subject.bsn
        if not bsn or not is_valid_bsn(bsn):
            continue
        identity = identify(bsn=bsn)
        pseudonym = actions.local_pseudonym(identity)
        if actions.local_case(referral.house, identity, pseudonym) is not None:
            continue  # the referral flow itself reports a case of this house
        answer = exchange.ask(referral.house, identity)
        actions.log_exchange_answer(referral, identity, answer, actor=actor)
        if answer is not None and answer.known:
            notify(
                deciders(referral),
                house=referral.house,
                link=referral_link(referral),
                message=_(
                    "Referral %(ref)s: a person is already a case in %(house)s. Contact: "
                    "%(contact)s."
                )
                % {"ref": referral.reference, "house": answer.house, "contact": answer.contact},
            )
