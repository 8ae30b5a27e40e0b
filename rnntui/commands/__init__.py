"""CLI commands, one module per concern. Each module has `register(app)`.

Modules here import only typer and the standard library at import time: numpy, torch and
textual are imported inside the command functions so `rnntui --help` stays instant.
"""
