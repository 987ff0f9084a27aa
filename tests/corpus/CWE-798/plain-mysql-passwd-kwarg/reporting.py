import pymysql


def monthly_totals():
    conn = pymysql.connect(host="10.0.4.12", user="report", password="r3p0rt!ng-Secret", database="sales")
    with conn.cursor() as cur:
        cur.execute("SELECT month, SUM(total) FROM orders GROUP BY month")
        return cur.fetchall()
