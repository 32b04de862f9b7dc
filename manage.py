#!/usr/bin/env python
"""Django's command-line utility, with a one-line message instead of a traceback for an unreachable database."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meldeportal.settings")
    from django.core.management import execute_from_command_line
    from django.db import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        sys.exit(f"Datenbank nicht erreichbar (DATABASE_URL): {first_line}")


if __name__ == "__main__":
    main()
