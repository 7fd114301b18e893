"""The anonymous page cache: one app, no models.

It depends on nothing but settings and one signal, named by
``PAGE_CACHE_INVALIDATED_BY`` (``articles.signals.public_changed``): every
change to what the public sees sends it after commit, and it is the only
thing that invalidates cached pages. See docs/decisions/0003-page-cache.md.
"""
