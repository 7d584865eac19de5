"""What support staff work with: console accounts, the audit log, conversation review, visitor
feedback, data-subject searches."""
