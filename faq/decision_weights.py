"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.681044, 0.335880, 0.345164, 0.800604, 0.149205, 0.261405, 1.613686, 0.109341, 0.593118, 1.969587, 0.293175, 0.088704, 0.014120,)
SCALE = (0.270996, 0.188947, 0.213409, 0.293386, 0.286182, 0.578791, 0.992149, 0.312067, 0.250234, 0.936323, 0.096687, 0.285586, 0.117987,)
WEIGHTS = (0.687986, 0.195875, 0.700211, 0.872709, 0.008103, -0.460070, 0.094976, -1.303567, 1.701505, 0.315965, 0.713121, 0.116840, 0.359561,)
BIAS = 3.766842
ANSWER_CONFIDENCE = 0.60
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
