"""The before / during / after plan of an event: dated tasks from the rules in data/rules/plan.yaml and the
remediation tasks of the venue assessment, stored per event and tracked to done.

Building the plan is idempotent and keeps what was done: a task whose rule still applies keeps its marks; a
task whose rule no longer applies is kept (hidden, `applies=False`) and comes back with its marks if the rule
applies again. Readiness: every mandatory before-task done, or marked not applicable by a leader.

Rules: data/rules/plan.yaml (rules.py). Screens: pages/plan.py (the plan, 保密工作方案; a summary on pages/events.py). CLI: `conclave plan build`,
`conclave export`. Modules: rules, build, board, snapshot, export (PDF, Word, CSV, calendar), hooks."""
from planners.plan.rules import (  # noqa: F401
    INCIDENT_KINDS,
    LANGS,
    PHASES,
    PLACEHOLDERS,
    PLAN_FIELDS,
    TASK_STATUSES,
    WHEN_KEYS,
    check_rules,
    earliest_lead,
    plan_rules,
)
from planners.plan.build import (  # noqa: F401
    BuildResult,
    PlanFacts,
    TaskSpec,
    applicable_rules,
    build_plan,
    compute_tasks,
    event_facts,
    rule_applies,
    tasks,
)
from planners.plan.board import (  # noqa: F401
    NA_KIND,
    MarkChoice,
    Readiness,
    apply_na_decision,
    chart_rows,
    counts_done,
    is_overdue,
    live_findings,
    mark_choice,
    mark_task,
    readiness,
    report_incident,
    request_na,
    set_documents_issued,
    undo_last_mark,
)
from planners.plan.snapshot import (  # noqa: F401
    PlanSnapshot,
    TaskRow,
    snapshot,
)
from planners.plan.hooks import (  # noqa: F401
    load_demo,
    overdue_plan_tasks,
    plan_ready_findings,
    rebuild_for_venue,
    rebuild_on_change,
)
from planners.core.errors import MandatoryNeedsLeader  # noqa: F401  the area's error
