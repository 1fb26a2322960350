"""``python -m api`` runs the citeqa command line (the same as the ``citeqa`` script)."""

from api.cli import app

app()
