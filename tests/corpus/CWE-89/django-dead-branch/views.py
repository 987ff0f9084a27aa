from django.db import connection
from django.http import JsonResponse


def tag_lookup(request):
    tag = request.GET.get("tag", "")
    with connection.cursor() as cursor:
        if False:
            cursor.execute("SELECT slug FROM blog_tag WHERE name = '" + tag + "'")
        else:
            cursor.execute("SELECT slug FROM blog_tag WHERE name = %s", [tag])
        rows = cursor.fetchall()
    return JsonResponse({"slugs": [r[0] for r in rows]})
