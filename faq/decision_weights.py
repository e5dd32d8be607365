"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.676787, 0.332903, 0.343884, 0.795101, 0.150140, 0.263006, 1.605853, 0.109104, 0.590039, 1.965318, 0.293064, 0.106214, 0.014090,)
SCALE = (0.271389, 0.189227, 0.215225, 0.293000, 0.285794, 0.579806, 0.990012, 0.311770, 0.251748, 0.939013, 0.096716, 0.309281, 0.117860,)
WEIGHTS = (0.679273, 0.200593, 0.680173, 0.890117, -0.134571, -0.443501, -0.015184, -1.285090, 1.751536, 0.486087, 0.541149, 0.159357, 0.340159,)
BIAS = 3.726987
ANSWER_CONFIDENCE = 0.60
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
