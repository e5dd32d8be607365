"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.652668, 0.325023, 0.327645, 0.769048, 0.168113, 0.306759, 1.614385, 0.119584, 0.569966, 2.035529, 0.291443, 0.119584, 0.012998,)
SCALE = (0.276496, 0.188386, 0.217692, 0.298312, 0.292388, 0.618467, 0.989285, 0.324475, 0.253405, 0.945455, 0.086389, 0.327134, 0.113267,)
WEIGHTS = (0.942384, 0.291262, 0.944894, 0.311448, -0.063915, -0.650069, -0.078837, -1.074062, 1.435025, 0.349288, 0.724448, 0.188755, 0.305717,)
BIAS = 2.833556
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
