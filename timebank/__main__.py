"""The ``timebank`` command (also ``python -m timebank``): Flask's command line over
``create_app``, so ``timebank db upgrade``, ``timebank demo``, ``timebank run`` and every
operator command work in any virtualenv the package is installed in, without ``--app``.
Before the app is created, a ``.env`` file (then ``.flaskenv``) found in the current
directory or above is read into the environment, as ``flask`` does: variables already set
win."""

from __future__ import annotations

from flask.cli import FlaskGroup

from timebank import create_app

cli = FlaskGroup(
    name="timebank",
    create_app=create_app,
    help="Timebank's operator commands (a .env file in the current directory is read first).",
)


def main() -> None:
    cli.main(prog_name="timebank")


if __name__ == "__main__":
    main()
