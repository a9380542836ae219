"""The simulator's HTTP routes, one router per resource (PROTOCOL.md §6.3): transactions,
listings, documents, classification, and the control API the tests drive it with."""
