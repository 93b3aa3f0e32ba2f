"""Our checks agree with the real Yoast analysis (yoastseo 3.6.0, fr_FR) on every stand-in fixture.

MAPPING lists, for each Yoast assessment we have a check for, how our verdict is read; a verdict
is "ok" on the Yoast side when the assessment scores 9 (or its best score, e.g. 8 for singleH1).
"""
from __future__ import annotations

import pytest

from tests.support.judge import SITE_URL, judge_command, run_judge
from wp_seo_bridge import check
from wp_seo_bridge.pipeline import judge

pytestmark = pytest.mark.judge

# Yoast identifier -> (our check code, best Yoast score), built from the checks' declarations
# (check.CHECKS). Two rows read our numbers instead of a code:
# - textLength: Yoast is green from 300 words, our word_count asks for min_words (700) — so we compare
#   the verdict at 300 words and, separately, the word count itself;
# - singleH1: Yoast tolerates one H1, our "structure" check allows none — compared on the H1 count.
SPECIAL = {"textLength": ("word_count@300", 9), "singleH1": ("h1_count<=1", 8)}
MAPPING = {**{c.yoast: (c.code, 9) for c in check.CHECKS if c.yoast}, **SPECIAL}


def _case(cases, name):
    return next(c for c in cases if c.name == name)


def _scores(report: dict) -> dict[str, int]:
    return {a["identifier"]: a["score"] for part in ("seo", "readability") for a in report[part]["assessments"]}


def _our_verdicts(case) -> dict[str, bool]:
    ours = {f.code: f.ok for f in judge(case.article, case.source).findings}
    ours["word_count@300"] = {f.code: f.ok for f in judge(case.article, case.source, min_words=300).findings}[
        "word_count"]
    ours["h1_count<=1"] = check.analyse(case.article, case.html).h1_count <= 1
    return ours


def test_every_mapped_assessment_agrees(cases, verdicts, case_name):
    case = _case(cases, case_name)
    scores = _scores(verdicts[case_name])
    ours = _our_verdicts(case)
    missing = sorted(set(MAPPING) - set(scores))
    assert not missing, f"{case_name}: the judge did not return {missing}"
    disagreements = {
        yoast_id: f"Yoast score {scores[yoast_id]} (ok={scores[yoast_id] >= best}), ours ok={ours[code]}"
        for yoast_id, (code, best) in MAPPING.items() if (scores[yoast_id] >= best) != ours[code]
    }
    assert not disagreements, f"{case_name}: {disagreements}"


def test_word_count_is_yoasts(cases, verdicts, case_name):
    case = _case(cases, case_name)
    assert check.analyse(case.article, case.html).word_count == verdicts[case_name]["wordCount"]


def test_good_fixtures_are_green_everywhere(cases, verdicts, good_case_name):
    case = _case(cases, good_case_name)
    report = judge(case.article, case.source)
    assert report.passed and not report.failures, [f.message for f in report.failures]
    judged = verdicts[good_case_name]
    assert judged["seo"]["score"] >= 71, judged["seo"]
    assert judged["readability"]["score"] >= 90, judged["readability"]


def test_bad_fixtures_fail_where_expected(cases, case_name):
    case = _case(cases, case_name)
    report = judge(case.article, case.source)
    missed = {f.code for f in report.findings if not f.ok}  # hard failures and soft (orange) misses
    assert set(case.expect_fail) <= missed, f"{case_name}: expected {case.expect_fail} to fail, got {missed}"
    assert report.passed == (not case.expect_fail)  # a bad fixture is never pushed as it is


def test_the_predicted_readability_rating_agrees_with_yoast(cases, verdicts, case_name):
    """Soft readability misses are repaired only when our predicted overall rating is below green:
    that prediction (penalty points) agrees with the real analysis's overall readability rating."""
    case = _case(cases, case_name)
    report = judge(case.article, case.source)
    yoast_green = verdicts[case_name]["readability"]["score"] >= 90
    assert (report.readability_penalty <= check.READABILITY_GREEN_PENALTY) == yoast_green, (
        case_name, report.readability_penalty, verdicts[case_name]["readability"])


def test_a_description_green_without_the_date_is_not_green_in_yoasts_editor(cases):
    # 148 characters: green for yoastseo alone, "too long" once the editor's date is counted (what editors
    # saw on our pushed posts); our check follows the editor.
    case = next(c for c in cases if c.kind == "good")
    description = (case.article.meta_description + " " + "x" * 200)[:148]
    article = case.article.model_copy(update={"meta_description": description})
    payload = {**case.judge_input(), "metaDescription": description}
    command = judge_command()
    without_date = _scores(run_judge(command, {k: v for k, v in payload.items() if k != "date"}))
    with_date = _scores(run_judge(command, payload))
    assert without_date["metaDescriptionLength"] == 9 and with_date["metaDescriptionLength"] < 9
    assert not {f.code: f.ok for f in judge(article, case.source).findings}["metadesc_length"]


def test_predicted_scores_are_the_judges(cases, verdicts, case_name):
    # What we store as Yoast's score meta: the judge's SEO and readability scores, from our findings + HTML.
    from wp_seo_bridge.check.scores import predict

    case = _case(cases, case_name)
    report = judge(case.article, case.source)
    predicted = predict(report, case.html, case.article.focus_keyphrase, SITE_URL)
    judged = verdicts[case_name]
    # Yoast's editor totals the results it shows (a score and a text), not every result as yoastseo's
    # SEOScoreAggregator (the judge's "score") does; the browser test compares with the real editor.
    shown = [a["score"] for a in judged["seo"]["assessments"] if a["score"] and a["text"]]
    editor_seo = int(sum(shown) * 100 / (9 * len(shown)) + 0.5)
    if report.passed:  # what is pushed; a failed article is never stored, its scores are a rough guess
        assert (predicted.seo, predicted.readability) == (editor_seo, judged["readability"]["score"])
