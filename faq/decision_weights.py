"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.677986, 0.334645, 0.343341, 0.796071, 0.149999, 0.261922, 1.608020, 0.109104, 0.591017, 1.964234, 0.293064, 0.105853, 0.014090,)
SCALE = (0.271642, 0.188685, 0.213874, 0.293299, 0.286062, 0.578738, 0.993058, 0.311770, 0.251966, 0.939549, 0.096716, 0.308821, 0.117860,)
WEIGHTS = (0.803816, 0.311014, 0.746547, 0.802591, 0.012215, -0.410470, 0.075571, -1.285195, 1.656371, 0.396501, 0.596450, 0.224851, 0.352585,)
BIAS = 3.763346
ANSWER_CONFIDENCE = 0.60
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
