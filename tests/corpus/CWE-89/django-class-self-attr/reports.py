from django.db import connection
from django.http import JsonResponse


class ReportQuery:
    def __init__(self, region):
        self.region = region
        self.table = "sales_report"

    def render(self):
        return "SELECT day, total FROM " + self.table + " WHERE region = '" + self.region + "'"


def region_report(request):
    rq = ReportQuery(request.GET["region"])
    with connection.cursor() as cursor:
        cursor.execute(rq.render())
        data = cursor.fetchall()
    return JsonResponse({"rows": data})
