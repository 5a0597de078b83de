"""``python -m tinygrad_edu bench``: lesson 4's workloads in tinygrad_edu, hand-written numpy and PyTorch.

Read ``reference.py`` for the numpy versions with their derivatives written out, ``workloads.py`` for the
workloads (the tinygrad_edu and PyTorch ways share one function per workload), ``runner.py`` for timing,
checking and the table, ``cli.py`` for the command.
"""
