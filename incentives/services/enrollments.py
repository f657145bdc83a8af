"""Partners opt in to the programs that ask for it (SPIFFs)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import Enrollment, IncentiveProgram


@transaction.atomic
def enrollment_opt_in(*, program: IncentiveProgram, organization, user) -> Enrollment:
    """Join ``program`` from now on (deals closed from today qualify); the
    enrollment records who opted in and when."""
    if not program.requires_opt_in:
        raise ValidationError(_("This program needs no opt-in: your qualifying deals already count."))
    try:
        with transaction.atomic():
            return Enrollment.objects.create(program=program, organization=organization, opted_in_by=user)
    except IntegrityError as duplicate:
        raise ValidationError(_("Your organization has already joined this program.")) from duplicate
