"""Document pages: the documents of a case (and of its items) or a referral with the upload
form, the download, and removal with a reason."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casusregie.cases.access import access_case, case_subjects, subject_refs
from casusregie.cases.models import Case
from casusregie.houses.models import Organisation
from casusregie.privacy import log, policy
from casusregie.privacy.models import Operation
from casusregie.referrals.access import access_referral
from casusregie.referrals.models import Referral
from casusregie.web.forms import apply_errors

from . import actions
from .access import (
    access_document,
    case_upload_organisations,
    documents_of_case,
    documents_of_referral,
    may_remove,
    open_document,
    possible_readers,
    referral_subject_refs,
    referral_upload_organisations,
    resolve_target,
    subjects_of,
    upload_targets,
)
from .forms import RemoveForm, UploadForm
from .models import Document
from .responses import file_response
from .storage import DocumentUnreadable

logger = logging.getLogger(__name__)


def _readers(case: Case | None, referral: Referral | None) -> Any:
    ids = [o.pk for o in possible_readers(case, referral)]
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def _page(
    request: HttpRequest,
    *,
    case: Case | None = None,
    referral: Referral | None = None,
    form: UploadForm | None = None,
) -> HttpResponse:
    user: Any = request.user
    if case is not None:
        house = case.house
        documents = list(documents_of_case(user, case))
        may_upload = bool(case_upload_organisations(user, case))
        subjects = subject_refs(case_subjects(case))
        upload_url = reverse("documents:case_upload", args=[house.slug, case.pk])
    else:
        assert referral is not None
        house = referral.house
        documents = list(documents_of_referral(user, referral))
        may_upload = bool(referral_upload_organisations(user, referral))
        subjects = referral_subject_refs(referral)
        upload_url = reverse("documents:referral_upload", args=[house.slug, referral.pk])
    if may_upload and form is None:
        targets = upload_targets(user, case) if case is not None else None
        form = UploadForm(
            organisations=_readers(case, referral), targets=targets, initial={"audience": "all"}
        )
    # The list shows file names and the case's title: a read of the people it is about.
    log.record(
        actor=user,
        house=house,
        name="document.list.read",
        operation=Operation.READ,
        obj=case or referral,  # type: ignore[arg-type]
        case_id=case.pk if case is not None else None,
        subjects=subjects,
    )
    return render(
        request,
        "documents/document_list.html",
        {
            "house": house,
            "case": case,
            "referral": referral,
            "documents": [{"document": d, "may_remove": may_remove(user, d)} for d in documents],
            "form": form if may_upload else None,
            "upload_url": upload_url,
            "scanning": bool(settings.CLAMD),
        },
        status=400 if request.method == "POST" else 200,
    )


def _upload(
    request: HttpRequest, *, case: Case | None = None, referral: Referral | None = None
) -> HttpResponse:
    user: Any = request.user
    targets = upload_targets(user, case) if case is not None else None
    form = UploadForm(
        request.POST, request.FILES, organisations=_readers(case, referral), targets=targets
    )
    if form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            items = resolve_target(user, case, data.get("target") or "") if case else {}
            actions.do_upload_document(
                case=case,
                referral=referral,
                **items,
                name=upload.name or "",
                data=upload.read(),
                purpose=data["purpose"],
                audience=data["audience"],
                organisations=list(data["organisations"]),
                categories=data["categories"],
                actor=user,
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The document has been added for its readers."))
            if case is not None:
                return redirect("documents:case", slug=case.house.slug, pk=case.pk)
            assert referral is not None
            return redirect("documents:referral", slug=referral.house.slug, pk=referral.pk)
    return _page(request, case=case, referral=referral, form=form)


@login_required
def case_documents(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _page(request, case=access_case(request.user, pk, house_slug=slug))


@login_required
@require_POST
def case_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _upload(request, case=access_case(request.user, pk, house_slug=slug))


def _referral(request: HttpRequest, slug: str, pk: int) -> Referral:
    return access_referral(request.user, policy.access_house(request.user, slug), pk)


@login_required
def referral_documents(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _page(request, referral=_referral(request, slug, pk))


@login_required
@require_POST
def referral_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _upload(request, referral=_referral(request, slug, pk))


def _document(request: HttpRequest, slug: str, pk: int, doc: int, parent: str) -> Document:
    """The document through its gate, in the case or referral the URL names."""
    document = access_document(request.user, policy.access_house(request.user, slug), doc)
    if getattr(document, f"{parent}_id") != pk:
        raise Http404
    return document


def _download(request: HttpRequest, document: Document) -> HttpResponse:
    try:
        data = open_document(request.user, document)
    except DocumentUnreadable:
        logger.error("document %s cannot be read from storage", document.pk)
        raise Http404 from None
    return file_response(document, data)


@login_required
def case_download(request: HttpRequest, slug: str, pk: int, doc: int) -> HttpResponse:
    return _download(request, _document(request, slug, pk, doc, "case"))


@login_required
def referral_download(request: HttpRequest, slug: str, pk: int, doc: int) -> HttpResponse:
    return _download(request, _document(request, slug, pk, doc, "referral"))


def _remove(request: HttpRequest, document: Document, back: str) -> HttpResponse:
    if not may_remove(request.user, document):
        raise Http404
    form = RemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_remove_document(
                document, reason=form.cleaned_data["reason"], actor=request.user
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The document has been removed."))
            return redirect(back)
    # The page shows the file name, which may name a person.
    log.record(
        actor=request.user,
        house=document.house,
        name="document.read",
        operation=Operation.READ,
        obj=document,
        case_id=document.case_id,
        subjects=subjects_of(document),
    )
    return render(
        request,
        "documents/document_remove.html",
        {"house": document.house, "document": document, "form": form, "back": back},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def case_remove(request: HttpRequest, slug: str, pk: int, doc: int) -> HttpResponse:
    document = _document(request, slug, pk, doc, "case")
    return _remove(request, document, reverse("documents:case", args=[slug, pk]))


@login_required
def referral_remove(request: HttpRequest, slug: str, pk: int, doc: int) -> HttpResponse:
    document = _document(request, slug, pk, doc, "referral")
    return _remove(request, document, reverse("documents:referral", args=[slug, pk]))
