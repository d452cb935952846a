"""Life domains (leefgebieden): the areas in which a case's problems are described and judged.

Used for a referral's concerns, an organisation's expertise and the assessment at intake and
closure. The list follows the usual Dutch self-sufficiency domains.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LifeDomain(models.TextChoices):
    HOUSING = "housing", _("Housing")
    FINANCES = "finances", _("Finances")
    DAYTIME = "daytime", _("Work and daytime activity")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    PHYSICAL_HEALTH = "physical_health", _("Physical health")
    ADDICTION = "addiction", _("Addiction")
    FAMILY = "family", _("Family relations")
    SOCIAL_NETWORK = "social_network", _("Social network")
    JUSTICE = "justice", _("Justice and safety")
    PARENTING = "parenting", _("Parenting")
    EDUCATION = "education", _("Education")
