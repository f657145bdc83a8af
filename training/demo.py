"""Demo training for ``seed_demo``: a short learning path (the product-line
course, then a course with lessons and an assessment) that grants the
Storage Certified Engineer certification."""

import json

from django.db import transaction

from content.models import CoursePage, SectionPage
from programs.models import Certification

from .models import CertificationRule, LearningPathCourse, LearningPathPage, RenewalRule

DEMO_PATH_TITLE = "Storage engineer path"
DEMO_ASSESSED_COURSE_TITLE = "Storage architecture"
DEMO_CERTIFICATION_CODE = "storage-engineer"

LESSONS = [
    (
        "Controllers and shelves",
        "<p>Every array pairs two controllers; shelves add capacity without adding controllers.</p>",
    ),
    (
        "Protecting data",
        "<p>RAID protects against a failed disk, snapshots against mistakes, replication against site loss.</p>",
    ),
]
#: (question, multi-select, [(answer, correct), ...])
QUESTIONS = [
    ("How many controllers does an array pair?", False, [("One", False), ("Two", True), ("Four", False)]),
    (
        "Which protect against accidental deletion?",
        True,
        [("Snapshots", True), ("Backups", True), ("A second shelf", False)],
    ),
    ("What protects against the loss of a site?", False, [("RAID 6", False), ("Replication", True)]),
]


def _stream(block_type: str, values: list[dict]) -> str:
    return json.dumps([{"type": block_type, "value": value} for value in values])


@transaction.atomic
def seed_training_demo(*, home) -> LearningPathPage:
    """Create the demo path once (later runs leave channel ops' changes alone)."""
    existing = LearningPathPage.objects.filter(title=DEMO_PATH_TITLE).first()
    if existing is not None:
        return existing
    parent = SectionPage.objects.child_of(home).filter(title="Technical").first() or home
    course = CoursePage(
        title=DEMO_ASSESSED_COURSE_TITLE,
        intro="<p>How arrays are built and how they keep data safe, with a short assessment.</p>",
        duration_minutes=20,
        lessons=_stream("lesson", [{"title": title, "body": body, "video": ""} for title, body in LESSONS]),
        questions=_stream(
            "question",
            [
                {"prompt": prompt, "multiple": multiple, "choices": [{"text": t, "correct": c} for t, c in choices]}
                for prompt, multiple, choices in QUESTIONS
            ],
        ),
        pass_mark_percent=66,
        max_attempts=3,
        cooldown_hours=24,
    )
    parent.add_child(instance=course)
    course.save_revision().publish()
    path = LearningPathPage(
        title=DEMO_PATH_TITLE,
        intro="<p>Two short courses to become a Storage Certified Engineer.</p>",
    )
    essentials = CoursePage.objects.filter(title="Storage essentials", locale=home.locale).first()
    for order, step in enumerate(course_ for course_ in (essentials, course) if course_ is not None):
        path.path_courses.add(LearningPathCourse(course=step, sort_order=order))
    parent.add_child(instance=path)
    path.save_revision().publish()
    certification = Certification.objects.filter(code=DEMO_CERTIFICATION_CODE).first()
    if certification is not None:
        CertificationRule.objects.get_or_create(
            certification=certification, defaults={"path": path, "renewal_rule": RenewalRule.RETAKE}
        )
    return path
