"""``python -m assistant`` runs the CLI."""

from .surfaces.cli import main

main()
