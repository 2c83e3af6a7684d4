import pytest

from planners.core.errors import RuleFileError
from planners.core.rules import Field, parse_catalogue

FIELDS = {"text": Field("bilingual", required=True), "level": Field("level"),
          "phase": Field("enum", choices=("before", "during", "after"))}


def _write(tmp_path, body):
    p = tmp_path / "x.yaml"
    p.write_text(body, encoding="utf-8")
    return p


GOOD = """version: 1
rules:
  - id: R1
    text: {en: Set the level, zh_CN: 确定密级}
    source: 实施条例 art. 45(1)
    level: 机密
    phase: before
"""


def test_a_good_file_loads_with_line_numbers(tmp_path):
    doc = parse_catalogue(_write(tmp_path, GOOD), FIELDS)
    assert doc["rules"][0]["id"] == "R1" and doc["rules"][0]["_line"] == 3


@pytest.mark.parametrize("body,rule,problem,line", [
    (GOOD.replace("    phase: before\n", "    phase: before\n    colour: red\n"), "R1", "unknown key 'colour'", 8),
    (GOOD.replace("    source: 实施条例 art. 45(1)\n", ""), "R1", "'source' is missing", 3),
    (GOOD.replace("zh_CN: 确定密级", "zh_CN: ''"), "R1", "lacks the zh_CN text", 4),
    (GOOD.replace("level: 机密", "level: 超密"), "R1", "unknown classification level", 6),
    (GOOD.replace("phase: before", "phase: lunch"), "R1", "use one of before, during, after", 7),
    (GOOD + GOOD.split("rules:\n")[1], "R1", "used twice", 8),
])
def test_a_bad_file_is_refused_naming_file_rule_line_and_problem(tmp_path, body, rule, problem, line):
    with pytest.raises(RuleFileError) as exc:
        parse_catalogue(_write(tmp_path, body), FIELDS)
    e = exc.value
    assert e.file == "x.yaml" and e.rule == rule and problem in e.problem and e.line == line
    assert f"x.yaml:{line}" in str(e)


def test_broken_yaml_is_refused_with_its_line(tmp_path):
    with pytest.raises(RuleFileError, match="not valid YAML"):
        parse_catalogue(_write(tmp_path, "rules:\n  - id: [unclosed\n"), FIELDS)
