"""Answer or decline: how likely the matcher's top item is the right answer to a question.

A score alone does not separate them well: a question worded unlike any alias can find its item
first with a modest score, while a question about something else can score high through one shared
word. A logistic model over a few things the matcher already knows about the question — the top two
scores, how much of the question the top item explains, unknown and foreign words, anchors held,
topics the outline does not cover, closeness to one of the item's phrasings, length — gives a
probability; the matcher answers when it reaches :data:`ANSWER_CONFIDENCE`.

The weights live in :mod:`faq.decision_weights`, written by ``python -m faq.train_decision`` from our
own labelled sets (never the evaluation sets). Re-train after changing the scoring or the feature list.
This module knows numbers only: nothing about jieba, the index or the knowledge base.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from faq import decision_weights as model

#: The features, in the order the matcher computes them.
FEATURES = (
    "best score",
    "runner-up score",
    "lead over the runner-up",
    "share of the question's weight the top item has",
    "share of the question's weight no item knows",
    "telling words the top item lacks",
    "anchors the top item holds",
    "names a topic the outline does not cover",
    "closeness to one of the top item's phrasings",
    "anchors in the question",
    "length (up to 40 characters)",
    "kinds of answer asked for (who, when, how many, where) the top item's answer does not give",
    "asks what something means or which ones it is",
)

#: Answer when the model gives at least this; chosen with the weights (see faq.train_decision).
ANSWER_CONFIDENCE = model.ANSWER_CONFIDENCE


def confidence(features: Sequence[float]) -> float:
    """Probability (0..1) that the top item answers the question, by the committed model."""
    return probability(features, model.MEAN, model.SCALE, model.WEIGHTS, model.BIAS)


def probability(features: Sequence[float], means: Sequence[float], scales: Sequence[float],
                weights: Sequence[float], bias: float) -> float:
    z = bias
    for value, mean, scale, weight in zip(features, means, scales, weights, strict=True):
        z += weight * (value - mean) / scale
    return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0


def fit(rows: Sequence[Sequence[float]], labels: Sequence[int], *, l2: float = 1.0, steps: int = 3000,
        rate: float = 0.5) -> tuple[list[float], list[float], list[float], float]:
    """Logistic regression by plain gradient descent on standardised features (deterministic).
    Returns ``(mean, scale, weights, bias)``."""
    import numpy as np

    x = np.asarray(rows, dtype=float)
    y = np.asarray(labels, dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    xs = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(xs.shape[1])
    penalty = np.r_[np.ones(xs.shape[1] - 1), 0.0]  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(xs @ w)))
        w -= rate * (xs.T @ (p - y) + l2 * penalty * w) / len(y)
    return mean.tolist(), scale.tolist(), w[:-1].tolist(), float(w[-1])
