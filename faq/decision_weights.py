"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.673843, 0.333245, 0.340597, 0.790275, 0.151138, 0.267728, 1.621925, 0.108900, 0.588742, 2.000362, 0.293035, 0.104920, 0.014110,)
SCALE = (0.269548, 0.188889, 0.215419, 0.291573, 0.283997, 0.583133, 0.984304, 0.311514, 0.249283, 0.953894, 0.096700, 0.307629, 0.117944,)
WEIGHTS = (0.882265, 0.288058, 0.851370, 0.504200, -0.106479, -0.440494, 0.056512, -1.121135, 1.787727, 0.410493, 0.473052, 0.228643, 0.342770,)
BIAS = 3.843627
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
