from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from programs.files import private_file_response
from programs.tenancy import partner_required

from . import selectors, services
from .audience import reader_for, visible_pages
from .models import AssetPage, AssetVersion, CobrandTemplatePage, CoursePage, GenerationStatus

GENERATION_FILES = {"pdf": "application/pdf", "png": "image/png"}


def _serve_version(request, asset: AssetPage, version: AssetVersion):
    services.asset_download_record(asset=asset, version=version, user=request.user)
    if version.video_url:
        return redirect(version.video_url)
    if version.file is None:
        raise Http404(_("This version's file is no longer available."))
    return FileResponse(version.file.open("rb"), as_attachment=True, filename=version.filename)


@login_required
@require_GET
def asset_download(request, asset_id: int):
    """The asset's current file: what the library's download buttons point at."""
    asset = get_object_or_404(visible_pages(AssetPage.objects.live(), reader_for(request)), pk=asset_id)
    version = asset.current_version
    if version is None:
        raise Http404(_("This asset has no published file yet."))
    return _serve_version(request, asset, version)


@login_required
@require_GET
def version_download(request, version_id: int):
    """An earlier version, reachable from the asset's history."""
    assets = visible_pages(AssetPage.objects.live(), reader_for(request))
    version = get_object_or_404(AssetVersion.objects.filter(asset__in=assets), pk=version_id)
    return _serve_version(request, version.asset, version)


@login_required
@require_POST
def cobrand_generate(request, page_id: int):
    templates = visible_pages(CobrandTemplatePage.objects.live(), reader_for(request))
    template = get_object_or_404(templates, pk=page_id)
    submitted = {key.removeprefix("field_"): value for key, value in request.POST.items() if key.startswith("field_")}
    try:
        generation = services.cobrand_generate(template=template, user=request.user, submitted=submitted)
    except services.GenerationLimitReached as limit:
        response = JsonResponse({"errors": {"__all__": limit.messages}}, status=429)
        response["Retry-After"] = str(limit.retry_after_seconds)
        return response
    except ValidationError as error:
        return JsonResponse({"errors": error.message_dict}, status=400)
    return JsonResponse(_generation_state(generation), status=202)


@login_required
@require_GET
def generation_status(request, generation_id):
    return JsonResponse(_generation_state(selectors.generation_get(request.user, generation_id)))


@login_required
@require_GET
def generation_file(request, generation_id, kind: str):
    generation = selectors.generation_get(request.user, generation_id)
    file = getattr(generation, kind) if kind in GENERATION_FILES else None
    if generation.status != GenerationStatus.DONE or not file:
        raise Http404(_("This file is not ready."))
    filename = f"{generation.template.slug}.{kind}"
    return private_file_response(file, filename=filename, content_type=GENERATION_FILES[kind])


def _generation_state(generation) -> dict:
    state = {
        "id": str(generation.pk),
        "status": generation.status,
        "progress": generation.progress,
        "status_url": reverse("content:generation_status", args=[generation.pk]),
    }
    if generation.status == GenerationStatus.DONE:
        state["pdf_url"] = reverse("content:generation_file", args=[generation.pk, "pdf"])
        state["png_url"] = reverse("content:generation_file", args=[generation.pk, "png"])
    if generation.status == GenerationStatus.FAILED:
        state["error"] = _("The file could not be created. Channel marketing has been told; please try again later.")
    return state


@partner_required()
@require_GET
def courses(request):
    return render(request, "content/course_list.html", {"courses": selectors.courses_for(request)})


@require_POST
@partner_required()
def course_progress(request, page_id: int, step: str):
    """Start a course, or mark it complete (``step`` "start" or "complete")."""
    course = get_object_or_404(visible_pages(CoursePage.objects.live(), reader_for(request)), pk=page_id)
    record = {"start": services.course_start, "complete": services.course_complete}.get(step)
    if record is None:
        raise Http404
    try:
        record(course=course, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(course.url)


@require_GET
@partner_required()
def course_lesson(request, page_id: int, number: int):
    """One lesson of a course; opening it is where the person resumes next time."""
    course = get_object_or_404(visible_pages(CoursePage.objects.live(), reader_for(request)), pk=page_id)
    try:
        enrollment = services.course_lesson_open(course=course, user=request.user, number=number)
    except ValidationError as error:
        raise Http404(" ".join(error.messages)) from error
    lessons = list(course.lessons)
    return render(
        request,
        "content/course_lesson.html",
        {
            "page": course,
            "lesson": lessons[number - 1].value,
            "number": number,
            "count": len(lessons),
            "next_number": number + 1 if number < len(lessons) else None,
            "previous_number": number - 1 if number > 1 else None,
            "enrollment": enrollment,
        },
    )
