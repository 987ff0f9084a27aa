import ldap

_conn = ldap.initialize("ldap://ldap.internal")


def group_members(group):
    flt = "(&(objectClass=groupOfNames)(cn=%s))" % group
    return _conn.search_s("ou=groups,dc=internal", ldap.SCOPE_ONELEVEL, flt, ["member"])
