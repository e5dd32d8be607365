"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.671255, 0.332062, 0.339193, 0.786853, 0.152419, 0.270698, 1.628870, 0.110151, 0.587024, 2.012959, 0.292981, 0.109431, 0.014039,)
SCALE = (0.270236, 0.188860, 0.215548, 0.292079, 0.284527, 0.584918, 0.984466, 0.313078, 0.249795, 0.954609, 0.096574, 0.313330, 0.117651,)
WEIGHTS = (0.932016, 0.359161, 0.853792, 0.490428, 0.025100, -0.408876, 0.155386, -1.106094, 1.799361, 0.283605, 0.495658, 0.299254, 0.357962,)
BIAS = 3.819801
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
