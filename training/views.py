from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from content import selectors as content_selectors
from content.audience import reader_for, visible_pages
from content.models import CoursePage
from programs.models import PartnerRole
from programs.tenancy import partner_required

from . import selectors, services
from .certificates import certificate_badge_png, certificate_pdf


@require_GET
@partner_required()
def home(request):
    """The person's learning: paths with progress, their certificates, and
    for owners a link to the team's progress."""
    return render(
        request,
        "training/home.html",
        {
            "paths": selectors.paths_for(request),
            "courses": content_selectors.courses_for(request),
            "certificates": selectors.held_certifications(request.user),
            "is_owner": request.partner.has_role(PartnerRole.OWNER),
            "now": timezone.now(),
        },
    )


def _visible_course(request, page_id: int) -> CoursePage:
    return get_object_or_404(visible_pages(CoursePage.objects.live(), reader_for(request)), pk=page_id)


@require_http_methods(["GET", "POST"])
@partner_required()
def assessment(request, page_id: int):
    """The assessment's start page (attempts left, cool-down); POST starts or resumes an attempt."""
    course = _visible_course(request, page_id)
    if not course.has_assessment:
        raise Http404("This course has no assessment.")
    if request.method == "POST":
        try:
            attempt = services.assessment_start(course=course, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("training:assessment", page_id=course.pk)
        return redirect("training:attempt", pk=attempt.pk)
    status = selectors.assessment_status(course=course, user=request.user)
    return render(request, "training/assessment.html", {"course": course, "status": status})


def _questions(attempt, chosen: dict[int, set[int]]) -> list[dict]:
    """The attempt's questions in their drawn order, without the correct flags."""
    # In the reader's language where the translation has the same questions
    # (positions are shared by every translation; a stale one is skipped).
    translated = attempt.course.localized
    source = translated if translated.live and len(translated.questions) == attempt.question_count else attempt.course
    questions = list(source.questions)
    shown = []
    for number, (position, choices) in enumerate(attempt.order, start=1):
        question = questions[position].value
        shown.append(
            {
                "number": number,
                "name": f"q{position}",
                "prompt": question["prompt"],
                "multiple": question["multiple"],
                "choices": [
                    {
                        "value": index,
                        "text": question["choices"][index]["text"],
                        "checked": index in chosen.get(position, set()),
                    }
                    for index in choices
                ],
            }
        )
    return shown


@require_http_methods(["GET", "POST"])
@partner_required()
def attempt(request, pk: int):
    """Answer an open attempt, or read a submitted attempt's result."""
    attempt = get_object_or_404(selectors.attempt_for(request.user, pk))
    course = attempt.course
    if attempt.submitted_at is not None:
        if request.method == "POST":
            return redirect("training:attempt", pk=attempt.pk)
        status = selectors.assessment_status(course=course, user=request.user)
        return render(request, "training/attempt_result.html", {"attempt": attempt, "course": course, "status": status})
    chosen: dict[int, set[int]] = {}
    errors = []
    if request.method == "POST":
        for position, _choices in attempt.order:
            values = request.POST.getlist(f"q{position}")
            chosen[position] = {int(value) for value in values if value.isdigit()}
        try:
            services.assessment_submit(
                attempt=attempt, answers={position: sorted(values) for position, values in chosen.items()}
            )
        except ValidationError as error:
            errors = error.messages
        else:
            attempt.refresh_from_db()
            if attempt.passed:
                messages.success(
                    request, _("You passed. Your certificate, if the course grants one, is under Training.")
                )
            else:
                messages.error(request, _("Not passed this time. Review the lessons and try again."))
            return redirect("training:attempt", pk=attempt.pk)
    return render(
        request,
        "training/attempt.html",
        {"attempt": attempt, "course": course, "questions": _questions(attempt, chosen), "errors": errors},
        status=400 if errors else 200,
    )


def _certificate(request, pk: int):
    return get_object_or_404(selectors.certificate_for(request.partner, pk))


@require_GET
@partner_required()
def certificate_download(request, pk: int):
    held = _certificate(request, pk)
    response = HttpResponse(certificate_pdf(held), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{held.verification_code}.pdf"'
    return response


@require_GET
@partner_required()
def badge_download(request, pk: int):
    held = _certificate(request, pk)
    response = HttpResponse(certificate_badge_png(held), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="badge-{held.verification_code}.png"'
    return response


@require_GET
@partner_required(PartnerRole.OWNER)
def team(request):
    """The owner's view of their team's courses and certifications."""
    return render(request, "training/team.html", {"members": selectors.team_progress(request.partner)})


@require_GET
def verify(request, code: str):
    """Public: whether a certificate is genuine. Shows the name, the
    certification and its validity, nothing else."""
    held = selectors.verification(code)
    return render(
        request,
        "training/verify.html",
        {"held": held, "code": code, "now": timezone.now()},
        status=200 if held else 404,
    )
