"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.674775, 0.332906, 0.341869, 0.793330, 0.149761, 0.263538, 1.626354, 0.109386, 0.588089, 1.997834, 0.293005, 0.106859, 0.014079,)
SCALE = (0.269254, 0.187020, 0.213917, 0.291028, 0.283787, 0.579934, 0.985138, 0.312123, 0.249226, 0.947348, 0.096706, 0.310101, 0.117818,)
WEIGHTS = (0.800188, 0.319176, 0.728140, 0.846501, -0.069017, -0.423880, -0.070771, -1.083615, 1.610260, 0.416377, 0.537801, 0.159431, 0.338536,)
BIAS = 3.818893
ANSWER_CONFIDENCE = 0.60
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
