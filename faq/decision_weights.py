"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.675004, 0.332971, 0.342033, 0.793647, 0.149444, 0.263177, 1.626715, 0.109025, 0.588203, 1.997834, 0.293005, 0.106859, 0.014079,)
SCALE = (0.269108, 0.186917, 0.213844, 0.290771, 0.283460, 0.579787, 0.984725, 0.311671, 0.249136, 0.947348, 0.096706, 0.310101, 0.117818,)
WEIGHTS = (0.762321, 0.294875, 0.701584, 0.939677, -0.119678, -0.427420, -0.106314, -1.264071, 1.675566, 0.481361, 0.553161, 0.164337, 0.335314,)
BIAS = 3.798186
ANSWER_CONFIDENCE = 0.60
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
