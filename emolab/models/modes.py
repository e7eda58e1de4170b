"""Names of fusion modes and model kinds (no heavy imports: the CLI's help uses them)."""

FUSION_MODES = ("audio", "body", "early", "late", "temporal")
MODEL_KINDS = ("logreg", "svm", "mlp", "rf")
