"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.671166, 0.332018, 0.339149, 0.786726, 0.152558, 0.272138, 1.628870, 0.110151, 0.587024, 2.014399, 0.292981, 0.109431, 0.014039,)
SCALE = (0.270243, 0.188860, 0.215550, 0.292078, 0.284522, 0.585481, 0.984466, 0.313078, 0.249795, 0.956472, 0.096574, 0.313330, 0.117651,)
WEIGHTS = (0.931794, 0.359051, 0.853632, 0.492009, 0.025045, -0.408529, 0.154411, -1.106475, 1.800374, 0.285089, 0.496364, 0.299268, 0.357970,)
BIAS = 3.819290
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
