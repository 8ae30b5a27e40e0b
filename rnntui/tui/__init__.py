"""The Textual app: panes that draw an engine trace, keys that change one StepSession."""
