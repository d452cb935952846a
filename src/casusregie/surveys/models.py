"""Partner surveys: a questionnaire, its personal links and its anonymous responses.

A response row never points at a person or a link (docs/decisions/0022-surveys.md): the
invitation row only records that its link was used.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casusregie.accounts.roles import Role
from casusregie.houses.models import House


class ItemKind(models.TextChoices):
    GRADE = "grade", _("Grade 0–10")
    AGREE = "agree", _("Agree or disagree")
    OPEN = "open", _("Open question")


class Agreement(models.TextChoices):
    STRONGLY_DISAGREE = "strongly_disagree", _("Strongly disagree")
    DISAGREE = "disagree", _("Disagree")
    NEUTRAL = "neutral", _("Neither agree nor disagree")
    AGREE = "agree", _("Agree")
    STRONGLY_AGREE = "strongly_agree", _("Strongly agree")
    DONT_KNOW = "dont_know", _("Don't know")


AGREEING = frozenset({Agreement.AGREE, Agreement.STRONGLY_AGREE})


class Group(models.TextChoices):
    MANAGER = "manager", _("Managers of partner organisations")
    PARTICIPANT = "participant", _("Participants at the table")


# Which memberships are invited for each respondent group.
GROUP_ROLES: dict[str, tuple[Role, ...]] = {
    Group.MANAGER: (Role.PARTNER_MANAGER,),
    Group.PARTICIPANT: (Role.PARTNER_PARTICIPANT,),
}


class Survey(models.Model):
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="surveys")
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    template = models.CharField(max_length=40, blank=True)
    groups = models.JSONField(default=list)
    min_responses = models.PositiveSmallIntegerField(_("minimum number of responses"), default=5)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class Item(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=80)
    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    section = models.CharField(max_length=120, blank=True)
    text = models.TextField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="surveys_item_unique_key")
        ]

    def __str__(self) -> str:
        return self.key


class Invitation(models.Model):
    """One personal link. Only a hash of the token is stored; `used` says the link answered."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=20, choices=Group.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="surveys_invitation_once")
        ]


class Source(models.TextChoices):
    LINK = "link", _("Personal link")
    IMPORT = "import", _("Imported file")


class Response(models.Model):
    """An anonymous response: its survey, respondent group and where it came from, nothing
    else (no person, no link, no time of day)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    group = models.CharField(max_length=20, choices=Group.choices)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.LINK)


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="answers")
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    agreement = models.CharField(max_length=20, choices=Agreement.choices, blank=True)
    text = models.TextField(blank=True)


class ImportBatch(models.Model):
    """A CSV file of responses loaded once: the same file (by hash) is not loaded twice."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="imports")
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "sha256"], name="surveys_import_once")
        ]
