"""The shipped models (installed as `feedback_mining.shipped_models`): joblib files, their cards, registry.json."""
