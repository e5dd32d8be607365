"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.634455, 0.316448, 0.318007, 0.752324, 0.186941, 0.341463, 1.594617, 0.132044, 0.553774, 2.061396, 0.289823, 0.099243, 0.012616,)
SCALE = (0.285087, 0.190503, 0.223344, 0.309540, 0.304207, 0.633629, 0.996464, 0.338538, 0.257988, 0.944426, 0.085905, 0.298988, 0.111609,)
WEIGHTS = (0.929956, 0.235411, 0.986249, 0.459984, -0.253145, -0.650673, -0.527412, -1.166176, 1.385856, 0.702108, 0.605751, -0.087277, 0.333272,)
BIAS = 2.409272
ANSWER_CONFIDENCE = 0.50
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
