"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.672059, 0.332386, 0.339673, 0.787722, 0.151625, 0.269092, 1.630403, 0.109150, 0.587605, 2.012608, 0.293057, 0.109510, 0.014049,)
SCALE = (0.269943, 0.188839, 0.215639, 0.291830, 0.284082, 0.584375, 0.985631, 0.311827, 0.249671, 0.955524, 0.096579, 0.313430, 0.117693,)
WEIGHTS = (0.937458, 0.359539, 0.858683, 0.482914, 0.024706, -0.407823, 0.145650, -1.101549, 1.798559, 0.287861, 0.495095, 0.301562, 0.358429,)
BIAS = 3.832058
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
