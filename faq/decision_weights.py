"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.653658, 0.324927, 0.328731, 0.772384, 0.168753, 0.308824, 1.613322, 0.121107, 0.569296, 2.041522, 0.291436, 0.086505, 0.012976,)
SCALE = (0.278290, 0.189875, 0.220846, 0.301166, 0.293078, 0.618871, 0.988758, 0.326252, 0.253311, 0.946678, 0.086316, 0.281109, 0.113170,)
WEIGHTS = (0.958741, 0.248889, 0.994134, 0.161150, -0.171305, -0.631893, -0.037631, -1.120535, 1.514911, 0.390925, 0.689057, -0.051083, 0.315988,)
BIAS = 2.833713
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl')
