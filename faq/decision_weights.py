"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.673717, 0.334026, 0.339691, 0.790060, 0.151106, 0.267269, 1.622061, 0.108861, 0.588739, 2.000723, 0.293020, 0.104882, 0.014105,)
SCALE = (0.269565, 0.188845, 0.215229, 0.291633, 0.283974, 0.582905, 0.984519, 0.311464, 0.249212, 0.953531, 0.096686, 0.307580, 0.117923,)
WEIGHTS = (0.889996, 0.290631, 0.859678, 0.550950, -0.065149, -0.427752, 0.067393, -1.122409, 1.761453, 0.399210, 0.490960, 0.239094, 0.346454,)
BIAS = 3.840658
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
