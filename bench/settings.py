"""Settings for building a benchmark database: production's, plus the
development app that makes synthetic guides (``generate_articles``). The
servers under test keep healthsite.settings; only the build uses these."""

from healthsite.settings import *  # noqa: F403 - the site's settings, plus the generator
from healthsite.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]
