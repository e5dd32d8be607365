"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.675329, 0.333630, 0.341699, 0.793694, 0.149500, 0.263177, 1.622383, 0.109025, 0.588831, 1.993141, 0.293005, 0.106859, 0.014079,)
SCALE = (0.269295, 0.187147, 0.213794, 0.290782, 0.283459, 0.579787, 0.985273, 0.311671, 0.249405, 0.948659, 0.096706, 0.310101, 0.117818,)
WEIGHTS = (0.754772, 0.306160, 0.682708, 0.980107, -0.097700, -0.429981, -0.066768, -1.264201, 1.659916, 0.467703, 0.550884, 0.163075, 0.333427,)
BIAS = 3.827445
ANSWER_CONFIDENCE = 0.60
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
