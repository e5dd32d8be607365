"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.673205, 0.332764, 0.340441, 0.790837, 0.150841, 0.267631, 1.621700, 0.108861, 0.587493, 1.999638, 0.293020, 0.105244, 0.014105,)
SCALE = (0.269163, 0.186544, 0.213847, 0.291437, 0.283856, 0.583670, 0.984564, 0.311464, 0.248462, 0.952962, 0.096686, 0.308044, 0.117923,)
WEIGHTS = (0.876062, 0.309637, 0.832571, 0.590105, -0.043990, -0.381633, 0.099489, -1.141507, 1.765419, 0.389273, 0.499398, 0.173336, 0.346108,)
BIAS = 3.851868
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
