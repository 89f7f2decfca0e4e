"""The shipped models (installed as `feedback_mining.shipped_models`): skops files, their cards, registry.json."""
