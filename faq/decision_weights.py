"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.671884, 0.332293, 0.339591, 0.787516, 0.151854, 0.269716, 1.629816, 0.109471, 0.587497, 2.012604, 0.293014, 0.109471, 0.014044,)
SCALE = (0.270031, 0.188837, 0.215656, 0.291933, 0.284237, 0.584576, 0.985938, 0.312229, 0.249692, 0.956105, 0.096587, 0.313380, 0.117672,)
WEIGHTS = (0.937995, 0.359930, 0.859332, 0.483437, 0.024840, -0.407696, 0.144632, -1.103217, 1.798845, 0.289121, 0.494997, 0.301481, 0.358349,)
BIAS = 3.828375
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
