"""feedback_mining: rank customer touchpoints by the effort customers report, and say why."""

__version__ = "0.1.0"
