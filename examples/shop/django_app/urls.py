"""URL routes of the Django-style half."""

from django.urls import path

from . import views

urlpatterns = [
    path("invoices/", views.invoice_search),
    path("invoices-safe/", views.invoice_search_safe),
    path("export/", views.export_invoices),
    path("export-safe/", views.export_invoices_safe),
    path("greet/", views.greet),
    path("greet-safe/", views.greet_safe),
    path("next/", views.continue_to),
    path("next-safe/", views.continue_to_safe),
    path("import/", views.import_config),
    path("import-safe/", views.import_config_safe),
    path("receipt/", views.receipt),
    path("receipt-safe/", views.receipt_safe),
]
