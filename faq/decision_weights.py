"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.673869, 0.334063, 0.339806, 0.790296, 0.151103, 0.267269, 1.622061, 0.108861, 0.588739, 2.000362, 0.293020, 0.104882, 0.014105,)
SCALE = (0.269549, 0.188847, 0.215117, 0.291576, 0.283974, 0.582905, 0.984519, 0.311464, 0.249212, 0.953721, 0.096686, 0.307580, 0.117923,)
WEIGHTS = (0.880602, 0.293685, 0.845602, 0.500975, -0.112312, -0.442894, 0.054715, -1.120352, 1.784543, 0.418169, 0.468238, 0.226178, 0.341574,)
BIAS = 3.842310
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
