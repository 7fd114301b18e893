"""
The editorial admin. Every state change goes through articles.workflow:
saving the form, the workflow buttons, the bulk actions and deletion.
The admin only decides what to show; the workflow decides what is allowed.

Modules by concern: ``article`` (the guide admin), ``review_panel`` (the
workflow buttons, diff and readability shown on a guide), ``reviews``
(review queue, reviewer profiles, reviews), ``review_cycle`` (the
review cycle's record, read-only), ``content`` (topics and the
sources inline), ``sources`` (the source register, read-only), ``search``
(search synonyms), ``history`` (read-only history pages), ``ids``.
"""

# Importing the modules registers their ModelAdmins (admin.autodiscover
# imports only this package).
from articles.admin import article, content, review_cycle, reviews, search, sources  # noqa: F401
