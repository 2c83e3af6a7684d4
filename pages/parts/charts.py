"""Every chart of the app as a Vega-Lite spec (a plain dict), built by functions a test reads (issue 16).

Three habits, one place:
- CJK labels are read horizontally: every category axis has `labelAngle: 0` (or the bars lie flat);
- one colour per state in every view: `STATE_COLORS`, the only state -> colour table (the plan page's text badges
  use it too), given to each chart as an explicit scale domain and range;
- counts of people or copies are whole numbers on the axis (`tickMinStep: 1`, `format: "d"`), and arrivals are
  counted per 5 minutes over a short span, per 15 over a longer one (`arrival_step`).

No Streamlit and no Altair here: a page hands the dict to `st.vega_lite_chart`, a test checks the dict."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

# one colour per state, in every chart and badge: outstanding orange, settled green, set aside grey, lost red
STATE_COLORS: dict[str, str] = {
    # plan tasks (planners.plan.TASK_STATUSES)
    "open": "#c76a00",
    "done": "#1b7f3b",
    "na": "#757575",
    # numbered copies (planners.documents.STATES)
    "in_store": "#1565c0",
    "issued": "#c76a00",
    "recovered": "#1b7f3b",
    "secrecy_room": "#00838f",
    "destroyed": "#424242",
    "lost": "#b00020",
    "abroad": "#6a1b9a",
    # people at the desk
    "arrived": "#1565c0",
}

PLAN_STATES = ("open", "done", "na")
SHORT_SPAN = timedelta(hours=2)  # arrivals over at most this span: per 5 minutes; longer: per 15 minutes
WHOLE = {"tickMinStep": 1, "format": "d"}  # an axis of people or copies: no 0.5 person
# a vertical axis's title read across, above the axis (任务数), not turned up the page
LEVEL_TITLE = {"titleAngle": 0, "titleAlign": "left", "titleX": 0, "titleY": -10}


def color_scale(states: Sequence[str], label: Callable[[str], str] = str) -> dict:
    """The colour scale of `states`, each shown as `label(state)`: the same colour for a state in every chart."""
    return {"domain": [label(s) for s in states], "range": [STATE_COLORS[s] for s in states]}


def _iso(v) -> str:
    return v.isoformat() if isinstance(v, datetime) else str(v)


def plan_status_chart(rows: Iterable[dict], *, title: str, phase_title: str, count_title: str, status_title: str,
                      status_label: Callable[[str], str]) -> dict:
    """Tasks per phase (会前 / 会中 / 会后, horizontal labels) stacked by state. `rows`: planners.plan.chart_rows
    (phase and status as labels, `state` the code, `order` the phase's place)."""
    values = [{"phase": r["phase"], "status": r["status"], "n": r["n"], "order": r["order"]} for r in rows]
    return {
        "title": title, "data": {"values": values}, "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "phase", "type": "nominal", "title": phase_title, "sort": {"field": "order", "op": "min"},
                  "axis": {"labelAngle": 0}},
            "y": {"field": "n", "type": "quantitative", "title": count_title, "axis": {**WHOLE, **LEVEL_TITLE}},
            "color": {"field": "status", "type": "nominal", "title": status_title,
                      "scale": color_scale(PLAN_STATES, status_label)},
            "tooltip": [{"field": "phase", "title": phase_title}, {"field": "status", "title": status_title},
                        {"field": "n", "title": count_title}],
        },
    }


def arrival_step(times: Iterable[datetime]) -> int:
    """Minutes per bar: 5 while the arrivals span at most two hours, 15 beyond."""
    ts = list(times)
    if not ts:
        return 5
    return 5 if max(ts) - min(ts) <= SHORT_SPAN else 15


def arrivals_chart(rows: Iterable[dict], *, time_title: str, count_title: str) -> dict:
    """Check-ins per 5 or 15 minutes (office time). `rows`: {"at": naive office time, "arrivals": n}, in buckets
    of at most the step (planners.checkin.arrivals_over_time gives 5 minutes); the chart sums them per step."""
    rows = list(rows)
    step = arrival_step(r["at"] for r in rows)
    return {
        "data": {"values": [{"at": _iso(r["at"]), "arrivals": r["arrivals"]} for r in rows]},
        "mark": {"type": "bar", "color": STATE_COLORS["arrived"]},
        "encoding": {
            "x": {"field": "at", "type": "temporal", "title": time_title,
                  "timeUnit": {"unit": "yearmonthdatehoursminutes", "step": step},
                  "axis": {"labelAngle": 0, "format": "%H:%M"}},
            "y": {"aggregate": "sum", "field": "arrivals", "type": "quantitative", "title": count_title,
                  "axis": {**WHOLE, **LEVEL_TITLE}},
            "tooltip": [{"field": "at", "type": "temporal", "timeUnit": {"unit": "yearmonthdatehoursminutes",
                                                                         "step": step},
                         "format": "%H:%M", "title": time_title},
                        {"aggregate": "sum", "field": "arrivals", "type": "quantitative", "title": count_title}],
        },
    }


def custody_timeline_chart(rows: Iterable[dict], *, title: str, series_label: Callable[[str], str]) -> dict:
    """Copies issued and recovered so far, over time (a step line per series). `rows`: planners.documents
    timeline rows {"at", "series" (a state code), "count"}."""
    rows = list(rows)
    states = [s for s in ("issued", "recovered") if any(r["series"] == s for r in rows)] or ["issued", "recovered"]
    values = [{"at": _iso(r["at"]), "series": series_label(r["series"]), "count": r["count"]} for r in rows]
    return {
        "title": title, "data": {"values": values},
        "mark": {"type": "line", "interpolate": "step-after"},
        "encoding": {
            "x": {"field": "at", "type": "temporal", "title": "", "axis": {"labelAngle": 0}},
            "y": {"field": "count", "type": "quantitative", "title": "", "axis": dict(WHOLE)},
            "color": {"field": "series", "type": "nominal", "title": "", "scale": color_scale(states, series_label)},
        },
    }


def holders_chart(by_holder: dict[str, int], *, title: str) -> dict:
    """Copies each holder still has: horizontal bars, so a Chinese name is read on one line."""
    values = [{"holder": k, "n": v} for k, v in by_holder.items()]
    return {
        "title": title, "data": {"values": values},
        "mark": {"type": "bar", "color": STATE_COLORS["issued"]},
        "encoding": {
            "y": {"field": "holder", "type": "nominal", "title": "", "sort": "-x", "axis": {"labelAngle": 0}},
            "x": {"field": "n", "type": "quantitative", "title": "", "axis": dict(WHOLE)},
        },
    }
