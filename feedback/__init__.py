"""Reader feedback on guides: "Is this page useful?", triaged in the admin.

The guide page stays the same for every reader (it is cached); the form on
it posts to this app's uncached endpoint. See
docs/decisions/0016-reader-feedback.md."""
