"""lxpack compatibility corpus and report (`make compat`): see compat/run.py."""
