"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.674445, 0.332301, 0.342144, 0.793168, 0.150088, 0.265269, 1.625587, 0.109505, 0.587557, 1.998916, 0.293079, 0.105168, 0.014095,)
SCALE = (0.269534, 0.187073, 0.213741, 0.291227, 0.284010, 0.580770, 0.985641, 0.312272, 0.249478, 0.948435, 0.096751, 0.307946, 0.117881,)
WEIGHTS = (0.847508, 0.362356, 0.751587, 0.873150, -0.029888, -0.395579, -0.092999, -1.069568, 1.572016, 0.426765, 0.501459, 0.172026, 0.342165,)
BIAS = 3.799068
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
