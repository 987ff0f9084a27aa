import requests

CRM_URL = "https://crm.partner.example/api/contacts"


def fetch_contacts(token):
    return requests.get(CRM_URL, headers={"Authorization": f"Bearer {token}"}, verify=False, timeout=10).json()
