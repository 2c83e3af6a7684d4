"""Conclave's domain core. Never imports streamlit (tests/unit/test_layering.py enforces it).

The area index — each rule file is read by the package of the same name, shown by its page, driven by its CLI:

| area        | rules (data/rules/) | package              | page(s)                     | CLI                               |
|-------------|---------------------|----------------------|-----------------------------|-----------------------------------|
| plan        | plan.yaml           | planners/plan/       | events                      | conclave plan build, export       |
| venues      | venues.yaml         | planners/venues/     | venues                      | —                                 |
| attendees   | attendees.yaml      | planners/attendees/  | attendees                   | conclave attendees, badges        |
| check-in    | —                   | planners/checkin/    | checkin                     | conclave scan                     |
| documents   | documents.yaml      | planners/documents/  | documents                   | conclave documents                |
| visits      | visits.yaml         | planners/visits/     | visits, approvals           | conclave briefing                 |
| base        | —                   | planners/base/       | home, approvals, admin, audit | conclave init, user, audit, backup |

core/ holds the values and contracts every area shares (errors, hooks, permissions, clock …); wiring.py says
which area answers which hook; store/ owns the transactions; exports/ is the format toolkit; cli/ the commands."""
