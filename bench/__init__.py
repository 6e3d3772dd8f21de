"""balloons benchmarks: each prints its figure, a baseline measured in the same run, and the ratio."""
