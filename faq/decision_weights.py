"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.626948, 0.314774, 0.312174, 0.746948, 0.184844, 0.352317, 1.622587, 0.118726, 0.547310, 2.104247, 0.299083,)
SCALE = (0.276534, 0.186374, 0.220094, 0.301744, 0.296182, 0.637021, 1.006461, 0.323466, 0.250956, 0.959982, 0.086688,)
WEIGHTS = (0.744149, 0.058601, 0.885355, 0.892410, -0.134488, -0.644032, -0.330657, -1.026973, 1.458453, 0.743456, 0.571823,)
BIAS = 2.249027
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl')
