"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.673940, 0.334090, 0.339850, 0.790377, 0.151158, 0.267366, 1.622287, 0.108900, 0.588791, 2.000362, 0.293035, 0.104920, 0.014110,)
SCALE = (0.269572, 0.188876, 0.215144, 0.291597, 0.284011, 0.582989, 0.984626, 0.311514, 0.249242, 0.953894, 0.096700, 0.307629, 0.117944,)
WEIGHTS = (0.881681, 0.296665, 0.844288, 0.508886, -0.101196, -0.438373, 0.063565, -1.119929, 1.782628, 0.411512, 0.470782, 0.228818, 0.342815,)
BIAS = 3.841920
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
