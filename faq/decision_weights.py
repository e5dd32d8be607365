"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.672478, 0.332515, 0.339963, 0.789006, 0.151679, 0.269092, 1.619957, 0.109150, 0.587579, 2.002161, 0.293057, 0.104827, 0.014049,)
SCALE = (0.270058, 0.188892, 0.215494, 0.292046, 0.284075, 0.584375, 0.983666, 0.311827, 0.249646, 0.954284, 0.096579, 0.307504, 0.117693,)
WEIGHTS = (0.946560, 0.372165, 0.860013, 0.516825, -0.035134, -0.349812, 0.141306, -1.100593, 1.805221, 0.293855, 0.505334, 0.231877, 0.356905,)
BIAS = 3.834205
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
