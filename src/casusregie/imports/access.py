"""Who may see an import: the functional administrators of its house, nobody else. An import
holds no case content once it ran (the report names rows, columns and reasons), but the
uploaded file does, so the rule is as narrow as the role that may upload."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404

from casusregie.accounts.roles import Role
from casusregie.houses.models import House
from casusregie.privacy import policy

from .models import ImportJob

ADMIN = (Role.FUNCTIONAL_ADMIN,)


@policy.register(ImportJob)
def job_predicate(user: Any) -> Q:
    return Q(policy.staff_of(user, "house", ADMIN))


def jobs_of(user: Any, house: House) -> Any:
    return policy.visible(user, ImportJob).filter(house=house)


def access_job(user: Any, house: House, pk: int) -> ImportJob:
    job = jobs_of(user, house).select_related("created_by").filter(pk=pk).first()
    if job is None:
        raise Http404
    return job
