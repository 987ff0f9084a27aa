import os

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["shop.example.com"]

AWS_ACCESS_KEY_ID = "AKIAQ3EGRT5LZ7XKM2VN"
AWS_SECRET_ACCESS_KEY = "q8Zr2mN5vK1xT7bW4yH9cJ3fL6pD0sG2aE5uR8iO"
AWS_STORAGE_BUCKET_NAME = "shop-media"
