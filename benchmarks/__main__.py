"""Run every benchmark: ``python -m benchmarks`` (``make bench``), or one command:
``python -m benchmarks generate …`` (a community at scale), ``python -m benchmarks pages …``
(every page's server time at scale), ``python -m benchmarks exports …`` (CSV exports
against the engine's own CSV tool), ``python -m benchmarks load …`` (mixed traffic through
gunicorn, driven by wrk)."""

import sys

if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else None
    if command == "generate":
        from benchmarks import generate

        generate.main(sys.argv[2:])
    elif command == "exports":
        from benchmarks import exports

        exports.main(sys.argv[2:])
    elif command == "pages":
        from benchmarks import pages

        pages.main(sys.argv[2:])
    elif command == "load":
        from benchmarks import load

        load.main(sys.argv[2:])
    else:
        from benchmarks import ledger, metrics

        ledger.main()
        metrics.main()
