"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.677927, 0.334110, 0.343817, 0.795958, 0.149995, 0.262283, 1.607298, 0.109104, 0.591014, 1.963873, 0.293064, 0.105853, 0.014090,)
SCALE = (0.271648, 0.189373, 0.214992, 0.293283, 0.286062, 0.578886, 0.992408, 0.311770, 0.251968, 0.939343, 0.096716, 0.308821, 0.117860,)
WEIGHTS = (0.808000, 0.308425, 0.749255, 0.800422, 0.009170, -0.409429, 0.075510, -1.286311, 1.656548, 0.396464, 0.596969, 0.224095, 0.352357,)
BIAS = 3.764359
ANSWER_CONFIDENCE = 0.60
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
