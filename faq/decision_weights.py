"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.673835, 0.332643, 0.341193, 0.792425, 0.150321, 0.266715, 1.623419, 0.109505, 0.587209, 1.998193, 0.293106, 0.105168, 0.014095,)
SCALE = (0.269687, 0.187074, 0.213880, 0.291357, 0.284022, 0.582594, 0.986281, 0.312272, 0.249453, 0.949196, 0.096763, 0.307946, 0.117881,)
WEIGHTS = (0.914392, 0.369526, 0.829766, 0.671406, -0.032004, -0.378028, 0.012690, -1.102388, 1.660474, 0.398382, 0.500190, 0.168408, 0.345353,)
BIAS = 3.833280
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
