"""On-demand performance checks (not tests): ``python -m benchmarks.<name>``."""
