from django.db import connection
from django.http import JsonResponse


def invoice_detail(request, pk):
    invoice_id = int(pk)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number, total FROM billing_invoice WHERE id = {invoice_id}")
        row = cursor.fetchone()
    return JsonResponse({"number": row[0], "total": row[1]})
