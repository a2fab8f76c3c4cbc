"""One module per ``tutor`` sub-command."""
