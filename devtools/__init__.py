"""Development and benchmark tools: the synthetic-guide generator and its
``generate_articles`` command. Installed only by the test settings and the
benchmark's (tests/settings.py, bench/settings.py), never in production.
No models: what it makes is known by its slugs."""
