"""The unit's people register (涉密人员, issue 13): one record per person, pledges and trainings as records, a deny
list, an append-only history, and the changes of level / class / status through the leader's queue.
Screen: pages/people.py; CLI: `conclave people …`; rules: data/rules/people.yaml.

Stable read API (other areas build on it; names do not change):

- `get(session, person_id) -> Person` (raises NotFound, key people.not_found)
- `find(session, *, name=None, id_last4=None, unit=None) -> list[Person]` (key-form comparison: NFKC, no invisible
  characters or spaces, case-insensitive)
- `Person` (planners.store.models_people.Person) fields: id, name, unit, post, id_type (resident_id / passport /
  officer_id / other), id_last4 (never the full number), nationality (ISO 3166-1 **alpha-2**, China = "CN"),
  employer_type (state_organ / public_institution / state_enterprise / private / foreign_invested / other),
  level (planners.core.levels.Classification value: secret / confidential / top_secret), vetted_level,
  person_class (core / important / general = 核心 / 重要 / 一般), status (active / suspended / decommission / left),
  decommission_until (date | None), `barred` (property: on the deny list today; computed from the bars table's
  end dates into barred_until), vetted_by, vetted_at (date | None), version (optimistic concurrency);
  derived: pledge_until, training_until (the date until which every pledge / training the class needs holds).
- `pledges(session, person_id) -> list[Pledge]`: kind (secrecy_pledge 保密承诺书 / responsibility 保密责任书 /
  leaving 离岗承诺书 / outbound 出国（境）保密承诺书), version, signed_on, expires_on (None: no end)
- `record_pledge(session, person_id, *, kind, signed_on, actor, version="", expires_on=None) -> Pledge`
- `valid_pledge(session, person_id, kind, on=None) -> bool` (on: a date, default the office's today)
- `trainings(session, person_id) -> list[Training]`: stage (onboarding 上岗 / in_post 在岗 / leaving 离岗), course,
  taken_on, hours, expires_on
- `is_barred(person, on=None) -> bool`, `require_not_barred(session, person_id, on=None)` (raises PersonBarred)

Writing: create, update (expected_version; level/class/status -> leader queue, kind person_change), record_training,
bar / lift_bar (a leader), history. Import/export: planners.people.importer, planners.people.export.
"""
from planners.people.fields import (  # noqa: F401
    CLASSES,
    CONTROLLED,
    DIRECT,
    EMPLOYER_TYPES,
    ID_TYPES,
    KIND,
    PERSON_LEVELS,
    PLEDGE_KINDS,
    STATUSES,
    TRAINING_STAGES,
)
from planners.people.register import (  # noqa: F401
    Change,
    active_bar,
    all_people,
    apply_decision,
    bar,
    bars,
    create,
    find,
    get,
    history,
    is_barred,
    lift_bar,
    pending_change,
    pledges,
    record_pledge,
    record_training,
    refresh,
    require_not_barred,
    search,
    today,
    trainings,
    update,
    valid_pledge,
    visible,
    get_visible,
)
from planners.store.models_people import Person, Pledge, Training  # noqa: F401
