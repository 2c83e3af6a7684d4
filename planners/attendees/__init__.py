"""The allow-list of an event: import and edit (allowlist), who may attend (eligibility, rules in
data/rules/attendees.yaml), signed badge tokens (badges) and the printable badge sheet (badge_sheet).
Screen: pages/attendees.py; CLI: `conclave attendees`, `conclave badges`."""
