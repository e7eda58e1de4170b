"""Fusion classifiers, training, evaluation and safe persistence."""
