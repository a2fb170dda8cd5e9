"""Benchmark readers and generators: they only build `Problem`s for the library."""
