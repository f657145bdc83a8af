"""Courses with lessons and an assessment, learning paths and certification
rules, built through Wagtail's page API like the editor's saves."""

import json

from content.models import CoursePage
from training.models import CertificationRule, LearningPathCourse, LearningPathPage

from .content import publish_page

#: (prompt, multi-select, [(answer, correct), ...])
STORAGE_QUESTIONS = [
    ("Which RAID level mirrors two disks?", False, [("RAID 0", False), ("RAID 1", True), ("RAID 5", False)]),
    ("Which protocols are block storage?", True, [("iSCSI", True), ("Fibre Channel", True), ("NFS", False)]),
    ("What does a snapshot protect against?", False, [("Accidental deletion", True), ("Site loss", False)]),
    ("Which port does iSCSI use?", False, [("3260", True), ("443", False), ("21", False)]),
    ("Which are deduplication benefits?", True, [("Less capacity", True), ("Faster WAN", True), ("More IOPS", False)]),
]


def questions_json(questions) -> str:
    return json.dumps(
        [
            {
                "type": "question",
                "value": {
                    "prompt": prompt,
                    "multiple": multiple,
                    "choices": [{"text": text, "correct": correct} for text, correct in choices],
                },
            }
            for prompt, multiple, choices in questions
        ]
    )


def lessons_json(titles) -> str:
    return json.dumps(
        [
            {"type": "lesson", "value": {"title": title, "body": f"<p>{title} explained.</p>", "video": None}}
            for title in titles
        ]
    )


def publish_course(parent, *, title="Storage basics", lessons=("Disks", "Arrays"), questions=None, **fields):
    """A live course with ``lessons`` and the assessment ``questions`` (None:
    the five storage questions; an empty list: no assessment)."""
    return publish_page(
        parent,
        CoursePage,
        title=title,
        lessons=lessons_json(lessons),
        questions=questions_json(STORAGE_QUESTIONS if questions is None else questions),
        **fields,
    )


def publish_path(parent, *, title="Storage specialist", courses=(), **fields):
    path = LearningPathPage(title=title, **fields)
    for order, course in enumerate(courses):
        path.path_courses.add(LearningPathCourse(course=course, sort_order=order))
    parent.add_child(instance=path)
    path.save_revision().publish()
    return LearningPathPage.objects.get(pk=path.pk)


def certification_rule(certification, *, course=None, path=None, **fields) -> CertificationRule:
    rule = CertificationRule(certification=certification, course=course, path=path, **fields)
    rule.full_clean()
    rule.save()
    return rule


def right_answers(attempt) -> dict[int, list[int]]:
    """The correct ticks for every question of ``attempt`` (by course position)."""
    questions = list(attempt.course.questions)
    return {
        position: [index for index, choice in enumerate(questions[position].value["choices"]) if choice["correct"]]
        for position, _choices in attempt.order
    }


def answers_with_wrong(attempt, wrong: int) -> dict[int, list[int]]:
    """Right answers except for the first ``wrong`` questions (by course position)."""
    answers = right_answers(attempt)
    questions = list(attempt.course.questions)
    for position in sorted(answers)[:wrong]:
        wrong_choice = next(
            index for index, choice in enumerate(questions[position].value["choices"]) if not choice["correct"]
        )
        answers[position] = [wrong_choice]
    return answers


def post_answers(answers: dict[int, list[int]]) -> dict:
    return {f"q{position}": [str(choice) for choice in choices] for position, choices in answers.items()}
