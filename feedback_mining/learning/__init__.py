"""The data scientist's part: the models and their files, training and evaluation, and the weekly loop that keeps
them honest (the review queue, reviewers' corrections, retraining on them, drift).

- `models`: the estimators (sentiment, pain points, effort) and their features; `valence`: lexicon evidence;
- `registry`: model files (skops, hash-verified, shipped hashes pinned), `convert_models`: old pickles to skops;
- `sources`, `mappings`, `labelled`, `training_data`: labelled data in; `train`, `retrain`, `evaluation`,
  `metrics`, `cards`, `label_issues`: models and their cards out; `model_commands`: `train` and `evaluate`;
- `review`, `corrections`, `drift`: what each weekly run adds to the loop.
"""
