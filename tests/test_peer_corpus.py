"""Reply extraction scored on five other projects' public test suites (../shared/corpora/replies)."""

import pytest

from tests.corpus.peers import CORPUS, score


def test_peer_corpus_score():
    if not CORPUS.is_dir():
        reason = f"peer corpus not found at {CORPUS}; reply extraction was not scored"
        print(reason)
        pytest.skip(reason)
    passed, total, failures = score()
    print(f"\npeer corpus: {passed}/{total} cases pass ({passed / total:.1%})")
    for case, problem in failures:
        print(f"  miss {case.source}/{case.id}: {problem}")
    assert total >= 150, "the corpus lost cases: check ../shared/corpora/replies"
    assert passed / total >= 0.95
