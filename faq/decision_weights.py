"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.680902, 0.335917, 0.344986, 0.800436, 0.149542, 0.261043, 1.612238, 0.109341, 0.593032, 1.967777, 0.293175, 0.088704, 0.014120,)
SCALE = (0.271061, 0.188927, 0.213373, 0.293459, 0.286357, 0.578641, 0.992314, 0.312067, 0.250365, 0.936069, 0.096687, 0.285586, 0.117987,)
WEIGHTS = (0.731679, 0.218530, 0.736006, 0.815157, -0.017354, -0.441294, 0.061414, -1.305111, 1.670085, 0.330473, 0.705600, 0.113167, 0.358316,)
BIAS = 3.754378
ANSWER_CONFIDENCE = 0.60
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
