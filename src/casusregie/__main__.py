"""The `casusregie` console command: Django's management commands for this project.

casusregie demo        migrate, load the synthetic houses and serve on 127.0.0.1:8000
casusregie serve       production server (gunicorn)
casusregie migrate     and every other Django management command
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casusregie.conf.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["casusregie", *sys.argv[1:]])
    except ImproperlyConfigured as error:
        sys.stderr.write(f"Configuratiefout / configuration error: {error}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
