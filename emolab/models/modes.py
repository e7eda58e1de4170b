"""Names of fusion modes and model kinds (no heavy imports: the CLI's help uses them)."""

FUSION_MODES = ("audio", "body", "early", "late", "temporal")
N_AUDIO, N_BODY = 28, 9  # feature counts per modality
MODEL_KINDS = ("logreg", "svm", "mlp", "rf")
