"""Weights of faq.decision's model. Written by ``python -m faq.train_decision``; do not edit by hand."""

MEAN = (0.673494, 0.332919, 0.340575, 0.791369, 0.150302, 0.266184, 1.623146, 0.108861, 0.587497, 1.999638, 0.293020, 0.105244, 0.014105,)
SCALE = (0.269075, 0.186581, 0.213791, 0.291384, 0.283768, 0.583092, 0.986586, 0.311464, 0.248442, 0.952962, 0.096686, 0.308044, 0.117923,)
WEIGHTS = (0.867634, 0.298178, 0.831766, 0.602708, -0.071862, -0.392206, 0.057063, -1.131458, 1.766378, 0.406167, 0.504068, 0.166852, 0.345528,)
BIAS = 3.839166
ANSWER_CONFIDENCE = 0.55
TRAINED_ON: tuple[str, ...] = ('tests/data/paraphrases.jsonl', 'bench/data/heldout.jsonl', 'bench/data/heldout2.jsonl', 'bench/data/heldout3.jsonl', 'bench/data/heldout4.jsonl', 'bench/data/heldout6.jsonl', 'bench/data/heldout7.jsonl', 'bench/data/heldout8.jsonl', 'bench/data/heldout9.jsonl', 'bench/data/heldout10.jsonl', 'bench/data/heldout11.jsonl', 'bench/data/heldout12.jsonl', 'bench/data/heldout13.jsonl', 'bench/data/heldout14.jsonl', 'bench/data/heldout15.jsonl', 'bench/data/heldout16.jsonl')
