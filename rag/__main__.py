"""`python -m rag` runs the command line."""

from rag.cli import main

main()
