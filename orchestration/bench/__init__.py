"""The benchmark: `run` (what `tbm bench` does), `measure` (memory, floor, comparison, report)."""
