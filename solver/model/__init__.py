"""The CP-SAT model of a Problem: its variables, one module per hard rule (rules/)
and per soft goal (objectives/), and build.build_model, which puts them together."""
