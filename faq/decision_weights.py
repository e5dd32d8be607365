"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.658542, 0.326107, 0.332435, 0.777784, 0.163873, 0.294479, 1.619632, 0.114812, 0.572900, 2.026293, 0.291564, 0.101665, 0.013146,)
SCALE = (0.276617, 0.189097, 0.218670, 0.297135, 0.290377, 0.607473, 0.986731, 0.318794, 0.253920, 0.934869, 0.086251, 0.305094, 0.113901,)
WEIGHTS = (0.931143, 0.288069, 0.928782, 0.302526, -0.030768, -0.649181, -0.102908, -1.262055, 1.463809, 0.463055, 0.647718, 0.142477, 0.259964,)
BIAS = 2.786849
ANSWER_CONFIDENCE = 0.50
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
