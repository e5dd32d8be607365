"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.671899, 0.332323, 0.339576, 0.787551, 0.151819, 0.269355, 1.629816, 0.109471, 0.587497, 2.012243, 0.293014, 0.109471, 0.014044,)
SCALE = (0.270026, 0.188834, 0.215661, 0.291917, 0.284213, 0.584434, 0.985938, 0.312229, 0.249692, 0.955545, 0.096587, 0.313380, 0.117672,)
WEIGHTS = (0.937551, 0.359687, 0.858952, 0.483033, 0.024663, -0.407873, 0.145689, -1.102965, 1.798697, 0.287890, 0.495155, 0.301521, 0.358383,)
BIAS = 3.828159
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
