"""Sign-up, sign-in and passwords (DESIGN.md §8, security baseline)."""
