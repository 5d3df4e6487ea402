"""The co-design board (DESIGN §6, co-production): members propose new services, endorse,
comment and volunteer; the proposer and coordinators revise; coordinators move proposals
through their stages and adopt them as categories with their safeguarding checks."""
