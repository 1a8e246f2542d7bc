"""lxpack benchmarks (`make bench`, `make bench-quick`): see bench/run.py."""
