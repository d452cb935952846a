"""The `casusregie` console command: Django's management commands for this project.

casusregie demo        migrate, load the synthetic houses and serve on 127.0.0.1:8000
casusregie serve       production server (gunicorn)
casusregie verify-log check the hash chains of the audit trail and the processing log
casusregie backup FILE     the PostgreSQL database into one file (pg_dump)
casusregie restore FILE    a backup into an empty database, all or nothing
casusregie migrate     and every other Django management command (a dash in a command's name
                       may be written as an underscore and the other way round)
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casusregie.conf.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        args = sys.argv[1:]
        if args and not args[0].startswith("-"):
            args[0] = args[0].replace("-", "_")
        execute_from_command_line(["casusregie", *args])
    except ImproperlyConfigured as error:
        sys.stderr.write(f"Configuratiefout / configuration error: {error}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
