"""Outside reviewers without accounts: a clinician sends a pharmacist or a
patient representative a link to one version of a guide; their response is
kept (append-only) as advisory evidence and never approves or publishes
anything. See docs/decisions/0018-outside-reviewers.md."""
