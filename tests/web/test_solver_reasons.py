"""The solver's reasons for open seats read in Chinese on the console's pages: every
sentence the solver writes has a known shape (checked on generated districts), and the
shapes say what the English says."""

import random
import re

import pytest

from app.rosters.service import REOPENED_REASON
from app.web.i18n import translations
from app.web.solver_reasons import Unknown, say_reason, translate_reason
from solver import Assignment
from solver.benchmarks.district import generate
from solver.check.explain import explain

zh = translations("zh").gettext


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("nobody available Sat 06:00-10:00", "周六 06:00-10:00 无人有空"),
        ("1 volunteer is unavailable on Mon 2026-03-02", "1 名志愿者在 周一 2026-03-02 请假"),
        ("2 volunteers lack the required skill first_aid", "2 名志愿者缺少所需技能 first_aid"),
        ("2 volunteers live more than 15/20 minutes away", "2 名志愿者住处超过 15/20 分钟路程"),
        ("1 volunteer already works their maximum shifts that day",
         "1 名志愿者当天已达每日班次上限"),
        ("3 volunteers have lang:en; all 3 are at their weekly hour limit",
         "3 名志愿者具备 lang:en，3 人全都已达每周时长上限"),
        ("1 volunteer has lang:en; they could not be added: the shift is at its max headcount",
         "1 名志愿者具备 lang:en，此人无法加入：本班次已满员"),
        ("5 volunteers have lang:yue; 1 of them is not available Mon 09:00-13:00",
         "5 名志愿者具备 lang:yue，其中 1 人在 周一 09:00-13:00 没空"),
        ("2 volunteers could take it without breaking a hard rule, but assigning any of them "
         "would not lower the total penalty",
         "2 名志愿者可以接下且不违反硬性规则，但安排他们并不能降低总罚分"),
        ("weekend shifts need 3 people in all; the 2 volunteers who may work them can take 2 "
         "at most", "周末班次共需 3 人；可上这些班次的 2 名志愿者最多能上 2 个"),
        ("lang:yue seats need 3 people in the week of Mon 2026-03-02; the 1 volunteer with "
         "lang:yue can take 2 at most",
         "周一 2026-03-02 那一周 lang:yue 的名额共需 3 人；"
         "具备 lang:yue 的 1 名志愿者最多能上 2 个"),
        ("nobody else has lang:yue", "没有其他人具备 lang:yue"),
        ("reserved for team Harbour Lions: no member can take it (2 volunteers outside the "
         "team may not)", "为队伍 Harbour Lions 保留：没有队员能来（队外的 2 名志愿者不能占用）"),
        ("reserved for team 海狮队: 1 volunteer outside the team may not take it",
         "为队伍 海狮队 保留：队外的 1 名志愿者不能占用"),
        ("all 2 volunteers of the district are already on this shift",
         "辖区全部 2 名志愿者已在本班次"),
        ("the district has no volunteers", "辖区没有志愿者"),
    ],
)  # fmt: skip
def test_a_reason_in_chinese(english, chinese):
    assert translate_reason(zh, english, "zh") == chinese


def test_the_services_own_reason_and_an_unknown_shape():
    assert re.search(r"[\u4e00-\u9fff]", translate_reason(zh, REOPENED_REASON, "zh"))
    odd = "the moon is in the wrong phase"
    with pytest.raises(Unknown):
        translate_reason(zh, odd, "zh")
    assert say_reason(zh, odd, "zh") == odd


def test_a_rule_the_app_does_not_use_reads_in_english():
    # The solver's night-shift limit has no field in the app: its phrase is not translated.
    night = "1 volunteer is at their weekly night-shift limit"
    with pytest.raises(Unknown):
        translate_reason(zh, night, "zh")
    assert say_reason(zh, night, "zh") == night


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_reason_of_a_generated_district_reads_in_chinese(seed):
    """Districts with part of their seats given at random: the explanations then use
    most of the solver's rules, and each sentence has a known shape."""
    problem = generate(stations=6, volunteers=60, seed=seed)
    rng = random.Random(seed)
    assignments = [
        Assignment(volunteer=v.id, shift=s.id)
        for s in problem.shifts
        for v in rng.sample(problem.volunteers, 1)
        if rng.random() < 0.5
    ]
    codes, sentences = set(), 0
    for status in ("OPTIMAL", "FEASIBLE"):
        for seat in explain(problem, assignments, status):
            for reason in seat.reasons:
                chinese = translate_reason(zh, reason.message, "zh")
                words = re.sub(r"lang:\w+|first_aid|[a-z]+-(am|pm)|night|\b[a-z_]+\b(?=[ ，；]|$)",
                               "", chinese)  # fmt: skip
                assert re.search(r"[\u4e00-\u9fff]", chinese), reason.message
                assert not re.search(r"[A-Za-z]{4,}", words), (reason.message, chinese)
                codes.add(reason.code)
                sentences += 1
    assert sentences > 50 and len(codes) >= 5, codes
