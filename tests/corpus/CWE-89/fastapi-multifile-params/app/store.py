from sqlalchemy import create_engine, text

engine = create_engine("sqlite:///orders.db")


def order_by_ref(ref):
    stmt = text("SELECT id, status FROM orders WHERE ref = :ref")
    with engine.connect() as conn:
        return conn.execute(stmt, {"ref": ref}).fetchone()
