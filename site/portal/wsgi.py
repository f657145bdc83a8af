import os
import sys
from pathlib import Path

# The repo root holds the Django apps; site/ is on the path already.
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

from django.core.wsgi import get_wsgi_application  # noqa: E402

from portal.startup import freeze_loaded_objects  # noqa: E402

application = get_wsgi_application()
freeze_loaded_objects()
