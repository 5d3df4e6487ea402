"""Run every benchmark: ``python -m benchmarks`` (``make bench``)."""

from benchmarks import ledger

if __name__ == "__main__":
    ledger.main()
