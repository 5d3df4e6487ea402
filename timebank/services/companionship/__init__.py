"""Companionship requests, matches, visits, safeguarding checks and the care
dashboard (DESIGN.md §1, §6 inclusion and care)."""
