"""The exchange lifecycle and every other movement of hours: record, confirm,
approve, reverse, donations, grants, group exchanges, statements (DESIGN.md §5)."""
