"""Use cases. Each opens one unit of work, decides authorization and audit, and commits once."""
