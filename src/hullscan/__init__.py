"""hullscan: a container-image vulnerability scanner.

The pipeline runs one way, each stage a function of its inputs:
image -> inventory -> match -> policy -> report.
"""

__version__ = "0.1.0"
