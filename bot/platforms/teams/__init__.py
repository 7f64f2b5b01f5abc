"""Microsoft Teams front-end: Adaptive Card renderers, text escaping and the Teams SDK wiring."""
