"""One router per resource: acts, drafts."""
