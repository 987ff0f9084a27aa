from django.http import JsonResponse


def tax(request):
    rule = request.POST.get("rule", "")
    rule = "amount * 0.2"
    amount = float(request.POST.get("amount", "0"))
    return JsonResponse({"tax": eval(rule, {"amount": amount})})
