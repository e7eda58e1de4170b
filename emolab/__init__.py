"""emolab: rate, explore and classify emotion in speech + body-movement recordings."""

__version__ = "0.1.0"
