"""Communities, memberships, vetting, proxies, profiles and the coordinator's
day (DESIGN.md §3 multi-community, §7 members without internet)."""
