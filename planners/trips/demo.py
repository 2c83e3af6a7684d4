"""The trips part of the demo (demo_step): an approved delegation of three to a trade fair abroad — one traveller
not yet briefed, so the trip cannot depart, and one carrier refused (a 机密 copy whose own approval the leader
refused) — and a past trip whose return debrief is overdue. Everything goes through the area's own functions
(create, submit, the leader's decision, the briefing, departure, return). Running twice changes nothing."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from planners import documents, people
from planners.base import demo as base_demo
from planners.base.auth import Principal
from planners.core.clock import local
from planners.store.models_documents import Document
from planners.store.models_trips import Trip
from planners.trips import briefing, carry, requests
from planners.visits.disclosure import ItemInput

FAIR = "赴德国参加汉诺威国际工业博览会"
PAST = "赴新加坡参加亚洲贸易便利化论坛"
PEOPLE = [
    {"name": "李华", "unit": "市商务局对外贸易处", "post": "处长", "id_last4": "4411", "level": "confidential",
     "vetted_level": "confidential", "person_class": "important"},
    {"name": "张伟", "unit": "市商务局对外贸易处", "post": "副处长", "id_last4": "5302", "level": "secret",
     "vetted_level": "secret", "person_class": "general"},
    {"name": "王芳", "unit": "市商务局外资管理处", "post": "主任科员", "id_last4": "6127", "level": "secret",
     "vetted_level": "secret", "person_class": "general"},
    {"name": "赵强", "unit": "市商务局口岸处", "post": "处长", "id_last4": "7019", "level": "secret",
     "vetted_level": "secret", "person_class": "important"},
]


def _officer() -> Principal:
    """The demo loader records the register's entries as the unit's security officer (保密员) would."""
    return Principal(id=0, username="demo-loader", display_name="demo", role="security_officer")


def _person(session, values: dict, officer: Principal):
    found = people.find(session, name=values["name"], id_last4=values["id_last4"])
    if found:
        return found[0]
    return people.create(session, {**values, "nationality": "CN", "id_type": "resident_id",
                                   "employer_type": "state_organ", "vetted_by": "市商务局保密办"}, actor=officer,
                         reason="demo")


def load_demo(session, ctx) -> None:
    if session.scalar(select(Trip.id).where(Trip.title == FAIR)) is not None:
        return
    if "organizer" not in ctx.users or "leader" not in ctx.users:
        return
    org = base_demo.system_principal(ctx, "organizer")
    leader = base_demo.system_principal(ctx, "leader")
    officer = base_demo.system_principal(ctx, "officer") if "officer" in ctx.users else _officer()
    today = local(ctx.today, "Asia/Shanghai").date()
    li, zhang, wang, zhao = (_person(session, v, officer) for v in PEOPLE)
    scope = [ItemInput(topic="city_economy_public", decision="may_discuss", methods=("oral", "visual")),
             ItemInput(topic="investment_policy", decision="agreed_line", methods=("oral",)),
             ItemInput(topic="trade_negotiation_position", decision="must_not")]

    # the trade fair: approved, two of three briefed, a 机密 copy refused
    start = today + timedelta(days=21)
    fair = requests.create(session, requests.TripInput(
        title=FAIR, purpose="参展并开展招商推介", inviting_party="Deutsche Messe AG", unit="市商务局",
        destinations=["DE"], starts_on=start, ends_on=start + timedelta(days=6),
        itinerary=[requests.Stop(day=start, place="汉诺威", host="Deutsche Messe AG", meeting="布展"),
                   requests.Stop(day=start + timedelta(days=1), place="汉诺威展览中心", host="Deutsche Messe AG",
                                 meeting="开幕式、城市推介会"),
                   requests.Stop(day=start + timedelta(days=4), place="法兰克福", host="德国中国商会",
                                 meeting="企业座谈")],
        travellers=[requests.TravellerInput(person_id=li.id, role="团长"),
                    requests.TravellerInput(person_id=zhang.id, role="团员"),
                    requests.TravellerInput(person_id=wang.id, role="团员")],
        ceiling="internal", scope=scope), actor=org, today=today)
    requests.submit(session, fair.id, actor=org)
    requests.decide(session, fair.id, "approved", leader=leader, comment="同意，严格执行行前保密教育。")
    for p in (li, zhang):
        briefing.record_attendance(session, fair.id, p.id, briefed_on=today, briefed_by="市商务局保密办",
                                   actor=org)
        briefing.record_pledge(session, fair.id, p.id, signed_on=today, actor=officer)
    carry.add_item(session, fair.id, person_id=li.id, kind="laptop", label="笔记本电脑（非涉密，资产号 SW-0231）",
                   actor=org)
    copy = _store_copy(session, ctx, "confidential")
    if copy:
        item = carry.add_item(session, fair.id, person_id=zhang.id, kind="copy", copy_code=copy, actor=org)
        pending = carry.pending(session, fair.id)
        if pending and pending[0].id == item.id:
            from planners.base import approvals

            a = approvals.latest_for(session, carry.KIND, "trip_carry", item.id)
            approvals.decide(session, a.id, "rejected", leader=leader,
                             comment="机密级载体不得随参展团携带出境，所需内容口头掌握。")
    ctx.created.append(f"trip {FAIR}")

    # a past trip: back twelve days ago, no debrief yet (overdue)
    p_start = today - timedelta(days=16)
    past = requests.create(session, requests.TripInput(
        title=PAST, purpose="参加论坛并作交流发言", inviting_party="Singapore Business Federation", unit="市商务局",
        destinations=["SG"], starts_on=p_start, ends_on=p_start + timedelta(days=4),
        itinerary=[requests.Stop(day=p_start + timedelta(days=1), place="新加坡", host="Singapore Business Federation",
                                 meeting="论坛")],
        travellers=[requests.TravellerInput(person_id=zhao.id, role="团长")], ceiling="public",
        scope=[ItemInput(topic="city_economy_public", decision="may_discuss", methods=("oral",))]),
        actor=org, today=p_start - timedelta(days=10))
    requests.submit(session, past.id, actor=org)
    requests.decide(session, past.id, "approved", leader=leader, comment="同意。")
    past_brief = p_start - timedelta(days=2)
    briefing.record_attendance(session, past.id, zhao.id, briefed_on=past_brief, briefed_by="市商务局保密办",
                               actor=org)
    briefing.record_pledge(session, past.id, zhao.id, signed_on=past_brief, actor=officer)
    briefing.depart(session, past.id, departed_on=p_start, actor=org)
    briefing.come_back(session, past.id, back_on=p_start + timedelta(days=4), actor=org)
    ctx.created.append(f"trip {PAST}")


def _store_copy(session, ctx, level: str) -> str | None:
    """A copy of the demo's documents of `level` that is in store (for the carry check)."""
    for doc in session.scalars(select(Document).where(Document.level == level).order_by(Document.id)):
        for c in reversed(documents.copies_of(session, doc.id)):
            if documents.copy_state(session, c.id).state in ("in_store", "recovered", "secrecy_room"):
                return documents.copy_code(doc.event_id, doc.id, c.number)
    return None
