from django.http import JsonResponse
from ldap3 import Connection, Server

SERVER = Server("ldap://ldap.corp.local")


def ldap_login(request):
    username = request.POST["username"]
    conn = Connection(SERVER, user="cn=svc,dc=corp,dc=local", password=request.POST["pw"])
    conn.bind()
    found = conn.search("dc=corp,dc=local", "(&(objectClass=person)(sAMAccountName=" + username + "))")
    return JsonResponse({"found": found})
