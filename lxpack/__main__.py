"""`python -m lxpack` is the `lxpack` command."""
from lxpack.cli import main

if __name__ == "__main__":
    main()
