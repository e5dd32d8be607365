"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.640613, 0.319349, 0.321264, 0.757531, 0.184410, 0.339781, 1.584525, 0.142136, 0.560013, 2.042893, 0.289823, 0.086627, 0.012616,)
SCALE = (0.285319, 0.191278, 0.222303, 0.310070, 0.304262, 0.641125, 0.993992, 0.349190, 0.257800, 0.944557, 0.085905, 0.281288, 0.111609,)
WEIGHTS = (0.972787, 0.279604, 1.007960, 0.194086, -0.188621, -0.646865, -0.059880, -1.242777, 1.525690, 0.397563, 0.684807, -0.056444, 0.315215,)
BIAS = 2.540270
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
