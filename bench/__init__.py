# Made up, for benchmarks on one machine only, never a deployment's: one key for every
# process of a run and for the seed that signs the benchmark member's session.
BENCH_SECRET_KEY = "bench-only-" + "k" * 60
