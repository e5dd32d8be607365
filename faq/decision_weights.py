"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.673915, 0.332898, 0.341017, 0.791942, 0.150302, 0.266184, 1.622423, 0.108861, 0.587751, 1.997468, 0.293020, 0.105244, 0.014105,)
SCALE = (0.269094, 0.186673, 0.213986, 0.291398, 0.283768, 0.583092, 0.985209, 0.311464, 0.248452, 0.951440, 0.096686, 0.308044, 0.117923,)
WEIGHTS = (0.870679, 0.305526, 0.828379, 0.617223, -0.049591, -0.386669, 0.069295, -1.129236, 1.759721, 0.393962, 0.510865, 0.165949, 0.347881,)
BIAS = 3.839251
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
