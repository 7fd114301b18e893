"""The public read side: the pages, feed, sitemap and robots.txt readers
see. No models: it reads only the approved copy that ``articles`` keeps
(``Article.objects.published()`` and the ``live_*`` fields)."""
