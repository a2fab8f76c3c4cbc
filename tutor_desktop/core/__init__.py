"""The GUI-free core. Nothing under this package may import Qt or the UI."""
