import psycopg2


def get_connection():
    return psycopg2.connect(host="db.internal", dbname="orders", user="orders_app", password="Tr0ub4dor&3xyz")
