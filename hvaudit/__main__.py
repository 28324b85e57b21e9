"""`python -m hvaudit` works as `hvaudit` does."""

from .cli import main

main()
