"""Run every benchmark: ``python -m benchmarks`` (``make bench``)."""

from benchmarks import ledger, metrics

if __name__ == "__main__":
    ledger.main()
    metrics.main()
