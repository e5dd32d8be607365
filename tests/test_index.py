"""The index's two layouts (dense for small knowledge bases, postings for large) score alike."""

import numpy as np

from faq.index import Index
from faq.normalize import normalize


def test_dense_and_sparse_layouts_give_the_same_scores(shared_matcher):
    docs = [shared_matcher._indexed(item) for item in shared_matcher.kb.items]
    dense, sparse = Index(docs, dense=True), Index(docs, dense=False)
    assert dense.words.rows is not None and sparse.words.rows is None
    questions = ["借调的党员回哪里参加", "群众代表要多少人", "单位停车位怎么申请", "整改方案公布的方式"]
    for question in questions:
        weights, words = shared_matcher.query_weights(normalize(question))
        assert np.allclose(dense.score(weights, words), sparse.score(weights, words), atol=1e-5)


def test_unknown_words_lower_every_score(shared_matcher):
    index = shared_matcher.index
    weights, words = shared_matcher.query_weights(normalize("借调的党员回哪里参加"))
    base = index.score(weights, words).max()
    weights["停车位"] = 2.5
    assert index.score(weights, words).max() < base
