from django.http import JsonResponse
from ldap3 import Connection, Server
from ldap3.utils.conv import escape_filter_chars

SERVER = Server("ldap://ldap.corp.local")


def find_account(request):
    username = escape_filter_chars(request.POST["username"])
    conn = Connection(SERVER, auto_bind=True)
    found = conn.search("dc=corp,dc=local", "(sAMAccountName=" + username + ")")
    return JsonResponse({"found": found})
