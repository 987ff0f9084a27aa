import os

import psycopg2


def get_connection():
    return psycopg2.connect(
        host=os.environ["DB_HOST"],
        dbname="orders",
        user=os.environ["DB_USER"],
        password=os.environ["DB_PASSWORD"],
    )
