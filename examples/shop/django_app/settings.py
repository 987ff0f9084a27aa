"""Settings for the Django-style half of the shop."""

import os

SECRET_KEY = "django-insecure-7h1s-1s-n0t-s3cr3t"  # VULN: CWE-798 hard-coded Django secret key
SAFE_SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")  # SAFE: from the environment
DEBUG = True  # VULN: CWE-489 Django debug mode on
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "django_app.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop",
        "PASSWORD": "Sup3rS3cret!",  # VULN: CWE-798 hard-coded database password
        "HOST": "db.internal",
    }
}
