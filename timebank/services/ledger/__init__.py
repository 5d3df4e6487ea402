"""The hour ledger: accounts, postings, limits, the pure rules and the checks that
prove its promises (DESIGN.md §4)."""
