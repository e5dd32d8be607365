"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.629607, 0.314496, 0.315111, 0.747426, 0.191714, 0.349378, 1.583402, 0.129461, 0.549859, 2.060581, 0.289564, 0.100415, 0.012448,)
SCALE = (0.285101, 0.190104, 0.223508, 0.310589, 0.305791, 0.645387, 0.998284, 0.335709, 0.257663, 0.946089, 0.085727, 0.300552, 0.110875,)
WEIGHTS = (0.915926, 0.334385, 0.883920, 0.541991, -0.215803, -0.608413, -0.505606, -1.143530, 1.371132, 0.766341, 0.553846, -0.098972, 0.344398,)
BIAS = 2.176738
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
