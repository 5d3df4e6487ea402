"""Offers and requests, their categories and the search that finds them
(DESIGN.md §1, §7 language)."""
