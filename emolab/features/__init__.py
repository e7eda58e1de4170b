"""Audio and body features (versioned, with units) and their windowing."""
