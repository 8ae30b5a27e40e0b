"""Modal screens: help, the weight editor, and one-line prompts (text, threshold)."""
