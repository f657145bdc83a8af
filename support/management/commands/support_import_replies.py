from django.core.management.base import BaseCommand, CommandError

from support.services.email_replies import case_replies_import


class Command(BaseCommand):
    help = "Add partner replies to case emails from a Maildir to their cases (refused ones go to its Refused folder)."

    def add_arguments(self, parser):
        parser.add_argument("maildir", help="Path of the Maildir the reply address delivers to.")

    def handle(self, *args, maildir, **options):
        try:
            result = case_replies_import(maildir=maildir)
        except FileNotFoundError as missing:
            raise CommandError(f"No Maildir at {maildir}.") from missing
        for sender, reason in result.refused:
            self.stderr.write(f"Refused a reply from {sender or 'an unknown sender'}: {reason}")
        self.stdout.write(
            f"{len(result.added)} replies added, {result.duplicates} already added, {len(result.refused)} refused."
        )
