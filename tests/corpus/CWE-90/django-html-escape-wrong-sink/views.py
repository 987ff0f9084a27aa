import html

import ldap
from django.http import JsonResponse


def lookup_mail(request):
    mail = html.escape(request.GET["mail"])
    conn = ldap.initialize("ldap://ldap.example.org")
    res = conn.search_s("dc=example,dc=org", ldap.SCOPE_SUBTREE, "(mail={})".format(mail))
    return JsonResponse({"n": len(res)})
