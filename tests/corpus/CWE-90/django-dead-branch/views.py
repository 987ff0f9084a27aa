from django.http import JsonResponse
from ldap3 import Connection
from ldap3.utils.conv import escape_filter_chars


def find_host(request):
    host = request.GET.get("host", "")
    conn = Connection("ldap://ldap.corp.local", auto_bind=True)
    if False:
        conn.search("dc=corp,dc=local", "(dNSHostName=" + host + ")")
    conn.search("dc=corp,dc=local", "(dNSHostName=" + escape_filter_chars(host) + ")")
    return JsonResponse({"n": len(conn.entries)})
