#!/usr/bin/env python
import os
import sys
from pathlib import Path

# The project shell lives in site/, which must not be imported as a package
# named "site" (that would shadow the standard library): its packages are put
# on the path instead.
sys.path.insert(1, str(Path(__file__).resolve().parent / "site"))

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
