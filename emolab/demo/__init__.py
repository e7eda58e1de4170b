"""The synthetic demo corpus (always labelled synthetic)."""
