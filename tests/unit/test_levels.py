import pytest

from planners.core.levels import ALL_LEVELS, Classification as C


@pytest.mark.parametrize("higher,lower", [
    (C.TOP_SECRET, C.CONFIDENTIAL), (C.CONFIDENTIAL, C.SECRET), (C.SECRET, C.WORK_SECRET),
    (C.WORK_SECRET, C.INTERNAL), (C.INTERNAL, C.PUBLIC),
])
def test_levels_are_ordered(higher, lower):
    assert higher.above(lower) and higher.at_least(lower) and not lower.at_least(higher)


@pytest.mark.parametrize("level,years", [(C.TOP_SECRET, 30), (C.CONFIDENTIAL, 20), (C.SECRET, 10),
                                         (C.WORK_SECRET, None), (C.INTERNAL, None), (C.PUBLIC, None)])
def test_legal_maximum_retention_applies_only_to_state_secrets(level, years):
    assert level.max_retention_years == years
    assert level.is_state_secret == (years is not None)


def test_marking_is_level_star_period():
    assert C.CONFIDENTIAL.marking("20年") == "机密★20年"
    assert C.INTERNAL.marking("5年") == "内部"


@pytest.mark.parametrize("text,level", [("机密", C.CONFIDENTIAL), ("top_secret", C.TOP_SECRET),
                                        ("Secret", C.SECRET), ("工作秘密", C.WORK_SECRET), ("TS", C.TOP_SECRET)])
def test_parse_accepts_chinese_and_english(text, level):
    assert C.parse(text) is level


def test_parse_refuses_unknown_level_and_lists_the_choices():
    with pytest.raises(ValueError, match="绝密/top_secret"):
        C.parse("very secret")


def test_every_level_has_both_labels():
    for c in ALL_LEVELS:
        assert c.label("zh_CN") and c.label("en") and c.label("zh_CN") != c.label("en")
