"""Issue 16: the visit forms' tables (the front desk's delegation, the meetings, the report's materials and gifts)
are checked cell by cell; an error names the row and the column in the reader's words and says how to fix it."""
from __future__ import annotations

import pytest

from planners import visits
from planners.core.errors import CellInvalid
from planners.visits import report

TOPICS = ("investment_policy", "city_economy_public")


@pytest.mark.parametrize("check,rows,zh,en", [
    (lambda r: visits.members_from_rows(r), [{"name": "Ivan", "nationality": "RU"}, {"name": "Olga"}],
     "第2行“国籍（ISO代码）”栏", "Row 2, column “Nationality (ISO code)”"),
    (lambda r: visits.meetings_from_rows(r), [{"topic": "投资合作"}], "第1行“会见单位或人员”栏", "Row 1, column “With whom”"),
    (lambda r: report.materials_from_rows(r, TOPICS), [{"what": "宣传册", "topic": "nuclear_secrets"}],
     "第1行“所属议题”栏", "Row 1, column “Scope topic”"),
    (lambda r: report.materials_from_rows(r, TOPICS), [{"topic": "investment_policy", "to_whom": "Weber"}],
     "第1行“资料名称”栏", "Row 1, column “Material”"),
    (lambda r: report.gifts_from_rows(r), [{"what": "瓷盘", "where_went": "登记保管"}, {"what": "钢笔", "giver": "Hoffmann"}],
     "第2行“处置去向”栏", "Row 2, column “Where it went”"),
])
def test_a_bad_cell_is_refused_naming_its_row_and_column(check, rows, zh, en):
    with pytest.raises(CellInvalid) as exc:
        check(rows)
    assert zh in exc.value.localized("zh_CN") and en in exc.value.localized("en")


def test_good_tables_give_their_rows_and_empty_rows_are_skipped():
    blank = {"what": None, "topic": float("nan"), "to_whom": ""}
    [m] = report.materials_from_rows([blank, {"what": "宣传册", "topic": "city_economy_public"}], TOPICS)
    assert (m.what, m.topic, m.to_whom) == ("宣传册", "city_economy_public", "")
    [g] = report.gifts_from_rows([{"what": "瓷盘", "giver": "Weber", "where_went": "交局办公室登记保管"}, {}])
    assert (g.what, g.giver, g.where_went) == ("瓷盘", "Weber", "交局办公室登记保管")
    [mt] = visits.meetings_from_rows([{"with_whom": "市商务局", "topic": "投资合作"}])
    assert (mt.with_whom, mt.topic) == ("市商务局", "投资合作")
    assert visits.meetings_from_rows([{"with_whom": "", "topic": None}]) == []
