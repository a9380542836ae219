"""The law of executory force and deadlines (LEGAL.md): pure functions over dates."""
