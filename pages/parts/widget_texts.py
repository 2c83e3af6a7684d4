"""Streamlit's own widget texts in the reader's language, offline (issue 16).

Streamlit has no setting for the language of the texts its widgets draw themselves ("Choose an option", "Press
Enter to submit form", the camera's "Take Photo", the uploader's "Browse files", the data grid's toolbar). Where
the API takes the text (`placeholder=`, labels) pages give it from the catalogues; for the rest this shim,
injected once per page run, rewrites those exact texts (and the same words in placeholder / aria-label / title
attributes) as the page draws them, with a MutationObserver. The table is in the locale files
(`widget.*` keys), so both languages come from the catalogues; switching back to English restores the
originals. Nothing is fetched: the script is inline."""
from __future__ import annotations

import json

import streamlit as st

from planners.core import i18n

# Streamlit's English text -> the catalogue key of its translation. Exact texts (after trimming).
EXACT = {
    "Choose an option": "widget.choose_option",
    "Choose options": "widget.choose_options",
    "Select all": "widget.select_all",
    "No results": "widget.no_results",
    "No options to select.": "widget.no_options",
    "No options to select": "widget.no_options",  # issue 16 (walk test): newer Streamlit drops the full stop
    "Remove an option first": "widget.remove_option_first",
    "Press Enter to submit form": "widget.enter_submit",
    "Press Enter to apply": "widget.enter_apply",
    "Press ⌘+Enter to apply": "widget.ctrl_enter_apply",
    "Press Ctrl+Enter to apply": "widget.ctrl_enter_apply",
    "Take Photo": "widget.take_photo",
    "Clear photo": "widget.clear_photo",
    "Switch camera": "widget.switch_camera",
    "This app would like to use your camera.": "widget.camera_ask",
    "Learn how to allow access.": "widget.camera_learn",
    "Drag and drop file here": "widget.drop_here",
    "Drag and drop files here": "widget.drop_here",
    "Browse files": "widget.browse",
    "Upload": "widget.upload",
    "Download as CSV": "widget.download_csv",
    "Search": "widget.search",
    "Fullscreen": "widget.fullscreen",
    "Close fullscreen": "widget.close_fullscreen",
    "Show/hide columns": "widget.show_hide_columns",
    "Clear all": "widget.clear_all",
    "Clear value": "widget.clear_value",
    "Show password text": "widget.show_password",
    "Hide password text": "widget.hide_password",
    "Running...": "widget.running",
    "Stop": "widget.stop",
    "None": "widget.none",
}
NOT_BACK = {"None"}  # "—" is the app's own empty cell too: never turned into "None" in English
# "Limit 200MB per file • CSV, XLSX": the size is kept, the file types too
PATTERNS = [(r"^Limit (\S+) per file(.*)$", "widget.limit_per_file")]


def table(lang: str) -> dict:
    """The rewrite table for `lang`: English -> translation (and, in English, translation -> English)."""
    exact = {en: i18n.t(key, "zh_CN") for en, key in EXACT.items()}
    patterns = [[rx, i18n.t(key, "zh_CN", size="$1", rest="$2")] for rx, key in PATTERNS]
    if lang == "zh_CN":
        return {"exact": exact, "patterns": patterns}
    return {"exact": {zh: en for en, zh in exact.items() if zh != en and en not in NOT_BACK}, "patterns": []}


_SCRIPT = """<script>
(function(){
  window.__cvWidgetTexts = %s;
  if (window.__cvWidgetObserver) { window.__cvWidgetApply && window.__cvWidgetApply(document.body); return; }
  const ATTRS = ['placeholder', 'aria-label', 'title'];
  function tr(s){
    const m = window.__cvWidgetTexts; if (!s) return null;
    const k = s.trim(); if (Object.prototype.hasOwnProperty.call(m.exact, k)) return s.replace(k, m.exact[k]);
    for (const [rx, rep] of m.patterns) { const r = new RegExp(rx); if (r.test(k)) return k.replace(r, rep); }
    return null;
  }
  function fix(node){
    if (node.nodeType === 3) { const t = tr(node.nodeValue); if (t !== null && t !== node.nodeValue) node.nodeValue = t; return; }
    if (node.nodeType !== 1) return;
    if (node.closest && node.closest('[data-cv-no-translate]')) return;
    for (const a of ATTRS) { const v = node.getAttribute(a); const t = tr(v); if (t !== null && t !== v) node.setAttribute(a, t); }
  }
  function apply(root){
    if (!root) return;
    fix(root);
    const w = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    let n; while ((n = w.nextNode())) fix(n);
  }
  window.__cvWidgetApply = apply;
  window.__cvWidgetObserver = new MutationObserver(ms => { for (const m of ms) {
    if (m.type === 'characterData') fix(m.target);
    else if (m.type === 'attributes') fix(m.target);
    else m.addedNodes.forEach(apply);
  }});
  window.__cvWidgetObserver.observe(document.body, {subtree: true, childList: true, characterData: true,
                                                    attributes: true, attributeFilter: ATTRS});
  apply(document.body);
})();
</script>"""


def script(lang: str) -> str:
    return _SCRIPT % json.dumps(table(lang), ensure_ascii=False)


def install(lang: str) -> None:
    """Inject the shim (in the sidebar: it takes no room on the page). Safe on every rerun."""
    st.sidebar.html(script(lang), unsafe_allow_javascript=True)
