"""WSGI entry point for gunicorn (`casusregie serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casusregie.conf.settings")
application = get_wsgi_application()
