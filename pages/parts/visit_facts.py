"""A visit request's facts as a leader reads them (issue 16): the approval card and the leader's visits view draw
them alike, every label and code through the catalogues, typed text as typed, the delegation and the topics as
tables (typed names are data, not Markdown)."""
from __future__ import annotations

import streamlit as st

from pages.parts import ui


def show_facts(facts: list[tuple[str, str]]) -> None:
    """(label key, text) rows from planners.visits.decision.request_facts."""
    st.markdown("\n".join(f"- **{ui.t(k)}**{'：' if ui.lang() == 'zh_CN' else ': '}{ui.plain(text)}"
                          for k, text in facts))


def show_delegation(rows: list[dict], key: str) -> None:
    if not rows:
        return
    st.markdown(f"**{ui.t('approvals.payload_delegation')}**")
    ui.text_table({ui.t("vduring.col_members_name"): [r["name"] for r in rows],
                  ui.t("vduring.col_members_nationality"): [r["nationality"] for r in rows],
                  ui.t("vduring.col_members_organisation"): [r["organisation"] for r in rows],
                  ui.t("vduring.col_members_post"): [r["post"] for r in rows]},
                 hide_index=True, width="stretch", key=key)


def show_topics(topics, key: str) -> None:
    """The requested topics, each with the scope's decision beside it, then the scope's other topics."""
    if not topics:
        st.caption(ui.t("visits16.no_topics"))
        return
    lang = ui.lang()
    ui.text_table({ui.t("visits16.col_topic"): [t.title.get(lang) or t.title.get("en", t.code) for t in topics],
                  ui.t("visits16.col_asked"): [ui.t("approvals.value_yes" if t.asked else "approvals.value_no")
                                               for t in topics],
                  ui.t("visits16.col_decision"): [ui.t(f"disclosure.decision_{t.decision}") if t.decision
                                                  else ui.t("visits16.not_in_scope") for t in topics],
                  ui.t("visits16.col_methods"): [ui.t("approvals.list_sep").join(
                      ui.t(f"disclosure.method_{m}") for m in t.methods) or "—" for t in topics]},
                 hide_index=True, width="stretch", key=key)


# ---------------------------------------------------------------- the visit forms' tables (issue 12, 16)

def members_editor(key: str, start: list[dict]):
    """The delegation as an editable table, one member a row; planners.visits.members_from_rows checks each cell."""
    import pandas as pd

    from planners import visits

    rows = start or [dict.fromkeys(visits.MEMBER_COLUMNS, "")]
    return st.data_editor(
        pd.DataFrame([{c: str(r.get(c) or "") for c in visits.MEMBER_COLUMNS} for r in rows],
                     columns=list(visits.MEMBER_COLUMNS), dtype=object), num_rows="dynamic", hide_index=True,
        width="stretch", key=key,
        column_config={
            "name": st.column_config.TextColumn(ui.t("vduring.col_members_name"), required=True, max_chars=120),
            "nationality": st.column_config.TextColumn(ui.t("vduring.col_members_nationality"), required=True,
                                                       max_chars=3),
            "organisation": st.column_config.TextColumn(ui.t("vduring.col_members_organisation"), max_chars=200),
            "post": st.column_config.TextColumn(ui.t("vduring.col_members_post"), max_chars=120),
            "passport_type": st.column_config.SelectboxColumn(
                ui.t("vduring.col_members_passport_type"), options=list(visits.PASSPORT_TYPES), default="ordinary"),
            "passport_last4": st.column_config.TextColumn(ui.t("vduring.col_members_passport_last4"),
                                                          max_chars=4, validate=r"^[A-Za-z0-9]{0,4}$")})


def text_table_editor(key: str, columns: tuple[str, ...], labels: str, kind: str, start: list[dict] | None = None,
                      choices: dict[str, list[str]] | None = None):
    """An editable table of text columns (labels `{labels}.col_{kind}_{column}`), a column in `choices` picked from
    its list; the planners function of the table checks each cell."""
    import pandas as pd

    rows = start or [dict.fromkeys(columns, "")]
    config = {c: (st.column_config.SelectboxColumn(ui.t(f"{labels}.col_{kind}_{c}"), options=(choices or {})[c])
                  if c in (choices or {}) else
                  st.column_config.TextColumn(ui.t(f"{labels}.col_{kind}_{c}"), max_chars=200)) for c in columns}
    picked = set(choices or {})
    return st.data_editor(pd.DataFrame([{c: (r.get(c) or None) if c in picked else str(r.get(c) or "")
                                         for c in columns} for r in rows], columns=list(columns),
                                       dtype=object), num_rows="dynamic", hide_index=True, width="stretch", key=key,
                          column_config=config)
