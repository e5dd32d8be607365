"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.632920, 0.316113, 0.316807, 0.750928, 0.188428, 0.341463, 1.592094, 0.132044, 0.552398, 2.058873, 0.289823, 0.099243, 0.012616,)
SCALE = (0.284529, 0.190209, 0.223417, 0.309378, 0.303980, 0.633629, 0.997544, 0.338538, 0.257160, 0.946810, 0.085905, 0.298988, 0.111609,)
WEIGHTS = (0.957314, 0.260471, 0.997415, 0.534884, -0.193118, -0.650015, -0.539441, -1.164554, 1.343059, 0.763620, 0.551234, -0.067913, 0.326299,)
BIAS = 2.401558
ANSWER_CONFIDENCE = 0.50
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
