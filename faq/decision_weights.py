"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.673232, 0.332781, 0.340451, 0.790870, 0.150797, 0.267631, 1.621700, 0.108861, 0.587508, 1.999638, 0.293020, 0.105244, 0.014105,)
SCALE = (0.269159, 0.186551, 0.213842, 0.291429, 0.283870, 0.583670, 0.984564, 0.311464, 0.248462, 0.952962, 0.096686, 0.308044, 0.117923,)
WEIGHTS = (0.876066, 0.309702, 0.832511, 0.590242, -0.044314, -0.381477, 0.098960, -1.141476, 1.765107, 0.389922, 0.498863, 0.172813, 0.346075,)
BIAS = 3.851715
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
